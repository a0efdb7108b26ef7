import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// The end user's own preference center, authenticated like the rest of the inbox, so a web or
/// mobile client can offer it without the tenant's API key:
/// - `GET /v1/inbox/preferences` — the tenant's categories (`key`, `kind`, `critical`, default
///   `channels`; a critical category's messages pass opt-outs and quiet hours, so a client shows
///   them as always on), the user's opt-outs (`channels`) and `quiet_hours`;
/// - `PATCH /v1/inbox/preferences` with `channels` (`{"<category>": {"<channel>": false}}`, which
///   replaces the opt-outs), `quiet_hours` (`{"start", "end", "timezone"?}`, or null to clear),
///   or both. What is not named stays, and frequency caps stay the tenant's to set
///   (`PUT /v1/users/{user}/preferences`).
struct InboxPreferences: Sendable {
    let dependencies: APIDependencies

    /// The body of `PATCH`: a member named (even as `null`) is replaced; one left out stays.
    struct Change: Decodable {
        var channels: [String: [String: Bool]]??
        var quietHours: PreferenceRoutes.QuietHoursInput??

        enum CodingKeys: String, CodingKey {
            case channels
            case quietHours = "quiet_hours"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if container.contains(.channels) {
                channels = .some(try container.decodeIfPresent([String: [String: Bool]].self, forKey: .channels))
            }
            if container.contains(.quietHours) {
                quietHours = .some(
                    try container.decodeIfPresent(PreferenceRoutes.QuietHoursInput.self, forKey: .quietHours))
            }
        }
    }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("preferences") { _, context in try await get(context) }
        group.patch("preferences") { request, context in try await patch(request, context) }
    }

    func get(_ context: APIRequestContext) async throws -> Response {
        let user = try context.requireInboxUser()
        var categories: [[String: Any]] = []
        for row in try await dependencies.rows(
            """
            SELECT key, kind, critical, default_channels FROM notify.categories
            WHERE tenant_id = \(user.tenantID) ORDER BY key
            """)
        {
            let (key, kind, critical, channels) = try row.decode((String, String, Bool, [String]).self)
            categories.append(["key": key, "kind": kind, "critical": critical, "channels": channels])
        }
        let rows = try await dependencies.rows(
            """
            SELECT coalesce(p.channels, '{}')::text, p.quiet_hours::text
            FROM notify.users u LEFT JOIN notify.preferences p ON p.user_id = u.id
            WHERE u.id = \(user.userID) AND u.tenant_id = \(user.tenantID)
            """)
        guard let row = rows.first else { throw APIError.notFound("user", "(signed user)") }
        let (channels, quiet) = try row.decode((String, String?).self)
        var view: [String: Any] = [
            "categories": categories, "channels": try JSONSerialization.jsonObject(with: Data(channels.utf8)),
        ]
        view["quiet_hours"] = try quiet.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) } ?? NSNull()
        return try APIResponse.json(view, status: .ok)
    }

    func patch(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try context.requireInboxUser()
        let change = try await JSONBody.decode(Change.self, from: request, allowedKeys: ["channels", "quiet_hours"])
        let setsChannels = change.channels != nil
        let setsQuietHours = change.quietHours != nil
        guard setsChannels || setsQuietHours else {
            throw APIError(
                .badRequest, code: "empty_change", "name \"channels\", \"quiet_hours\" or both; nothing was changed")
        }
        if let channels = change.channels ?? nil {
            let known = Set(
                try await dependencies.rows("SELECT key FROM notify.categories WHERE tenant_id = \(user.tenantID)")
                    .map { try $0.decode(String.self) })
            for (category, byChannel) in channels {
                guard known.contains(category) else {
                    throw APIError(
                        .badRequest, code: "unknown_category",
                        "category \"\(category.prefix(64))\" does not exist; GET /v1/inbox/preferences lists them")
                }
                for channel in byChannel.keys {
                    _ = try ContactCheck.run { () throws(ModelError) in try Channel.parse(channel) }
                }
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var quietText: String?
        if let input = change.quietHours ?? nil {
            let zones = try await dependencies.rows(
                """
                SELECT coalesce(u.timezone, t.default_timezone)
                FROM notify.users u JOIN notify.tenants t ON t.id = u.tenant_id
                WHERE u.id = \(user.userID) AND u.tenant_id = \(user.tenantID)
                """)
            guard let zone = try input.timezone ?? zones.first?.decode(String?.self) else {
                throw APIError(
                    .badRequest, code: "invalid_quiet_hours",
                    "quiet_hours needs a \"timezone\" (the user has none); for example \"Europe/Berlin\"")
            }
            let hours = QuietHours(start: input.start, end: input.end, timeZone: zone)
            try ContactCheck.run { () throws(ModelError) in try hours.validate() }
            quietText = String(decoding: try encoder.encode(hours), as: UTF8.self)
        }
        let channelsText = String(decoding: try encoder.encode((change.channels ?? nil) ?? [:]), as: UTF8.self)
        try await dependencies.client.query(
            """
            INSERT INTO notify.preferences AS p (user_id, tenant_id, channels, quiet_hours)
            VALUES (\(user.userID), \(user.tenantID), \(channelsText)::jsonb, \(quietText)::jsonb)
            ON CONFLICT (user_id) DO UPDATE SET
                channels = CASE WHEN \(setsChannels) THEN excluded.channels ELSE p.channels END,
                quiet_hours = CASE WHEN \(setsQuietHours) THEN excluded.quiet_hours ELSE p.quiet_hours END,
                updated_at = now()
            """, logger: context.logger)
        return try await get(context)
    }
}
