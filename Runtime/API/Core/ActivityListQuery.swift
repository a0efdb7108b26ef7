import Foundation
import Hummingbird
import NotifyModel

/// The query parameters the activity lists share (`GET /v1/notifications`,
/// `GET /v1/users/{user}/deliveries`): newest first, in pages.
/// - `limit`: 1 to 100, default 20;
/// - `since` (inclusive) and `until` (exclusive): ISO 8601 instants with an offset;
/// - `cursor`: the `next_cursor` of the previous page, which names the last row shown by its
///   creation time (in microseconds, exactly as stored) and its id, so rows created in the same
///   microsecond are neither skipped nor repeated.
struct ActivityListQuery: Sendable {
    var limit: Int
    var since: Date?
    var until: Date?
    /// The last row of the previous page: its `created_at` in microseconds since 1970, and its id.
    var after: (micros: Int64, id: String)?

    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        limit = try DigestRoutes.limit(query.get("limit"))
        since = try Self.instant("since", query.get("since"))
        until = try Self.instant("until", query.get("until"))
        if let since, let until, since >= until {
            throw APIError(.badRequest, code: "invalid_range", "since must be before until")
        }
        if let text = query.get("cursor") {
            let parts = text.split(separator: "_", maxSplits: 1).map(String.init)
            guard parts.count == 2, let micros = Int64(parts[0]), !parts[1].isEmpty else {
                throw APIError(
                    .badRequest, code: "invalid_cursor",
                    "cursor must be the next_cursor of a previous page (got \"\(text.prefix(60))\")")
            }
            after = (micros, parts[1])
        }
    }

    /// The query parameter `name`, which must be one of `allowed` when given: a 400
    /// `invalid_<name>` listing them otherwise.
    static func choice(_ name: String, in request: Request, allowed: [String]) throws -> String? {
        guard let value = request.uri.queryParameters.get(name) else { return nil }
        guard allowed.contains(value) else {
            throw APIError(
                .badRequest, code: "invalid_\(name)",
                "\(name) must be one of \(allowed.joined(separator: ", ")) (got \"\(value.prefix(40))\")")
        }
        return value
    }

    /// The id of the cursor's row, read by `parse` (nil without a cursor); a 400 `invalid_cursor`
    /// when it does not read.
    func afterID<ID>(_ parse: (String) -> ID?) throws -> ID? {
        guard let after else { return nil }
        guard let id = parse(after.id) else {
            throw APIError(.badRequest, code: "invalid_cursor", "cursor must be the next_cursor of a previous page")
        }
        return id
    }

    /// The cursor naming a row, for `next_cursor`.
    static func cursor(micros: Int64, id: String) -> String { "\(micros)_\(id)" }

    private static func instant(_ name: String, _ text: String?) throws -> Date? {
        guard let text else { return nil }
        guard let date = OffsetDateTime.instant(parsing: text) else {
            throw APIError(
                .badRequest, code: "invalid_\(name)",
                "\(name) must be \(RequestDate.expectedForm) (got \"\(text.prefix(40))\"); in a URL, write + as %2B")
        }
        return date
    }
}
