import Crypto
import Foundation
import Hummingbird
import NotifyFunctionKit

/// `POST /v1/notifications/batch`: up to ``maximumItems`` notifications in one request, accepted
/// all or none.
///
/// Each item is what `POST /v1/notifications` takes, plus an optional `idempotency_key` (the
/// `Idempotency-Key` header of a single request, which a batch refuses: it cannot key many
/// notifications). Every item is checked first; the first one that fails is answered with its
/// position (`notifications[3]: …`) and nothing is accepted. Then all are written in one
/// transaction, and the answer (202) lists each notification's `id`, `status` and `replay`, in the
/// order of the request. A batch retried with the same keys is answered with the first
/// notifications (`replay: true`).
struct NotificationBatch: Sendable {
    /// The most notifications one batch may hold.
    static let maximumItems = 1000

    let dependencies: APIDependencies

    /// One item: a notification request and its optional idempotency key.
    struct Item: Decodable, Sendable {
        var notification: NotificationRequest
        var idempotencyKey: String?

        static let fields = NotificationRequest.fields.union(["idempotency_key"])

        init(from decoder: any Decoder) throws {
            let position = NotificationBatch.position(decoder.codingPath)
            let fields: KeyedDecodingContainer<KeyCheckedBody<Item>.FieldName>
            do {
                fields = try decoder.container(keyedBy: KeyCheckedBody<Item>.FieldName.self)
            } catch DecodingError.typeMismatch {
                throw APIError(.badRequest, code: "invalid_body", "\(position) must be a JSON object")
            }
            if let unknown = fields.allKeys.first(where: { !Self.fields.contains($0.stringValue) }) {
                throw APIError(
                    .badRequest, code: "unknown_field",
                    "\(position): unknown field \"\(unknown.stringValue)\"; allowed: \(Self.fields.sorted().joined(separator: ", "))"
                )
            }
            notification = try NotificationRequest(from: decoder)
            idempotencyKey = try fields.decodeIfPresent(String.self, forKey: .init(stringValue: "idempotency_key"))
        }
    }

    /// The body: `{"notifications": [...]}`.
    struct Body: Decodable, Sendable {
        var notifications: [Item]
    }

    /// Checks every item, then accepts them all in one transaction.
    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        // A header cannot key many notifications, and ignoring it would let a retried batch send twice.
        if request.headers[named: "Idempotency-Key"] != nil {
            throw APIError(
                .badRequest, code: "idempotency_key_header_not_supported",
                "a batch takes no Idempotency-Key header; put \"idempotency_key\" on each notification of the batch instead"
            )
        }
        let body = try await JSONBody.bytes(request)
        let items = try JSONBody.decode(Body.self, from: body, allowedKeys: ["notifications"]).notifications
        guard (1...Self.maximumItems).contains(items.count) else {
            throw APIError(
                .badRequest, code: "invalid_batch",
                "\"notifications\" must hold 1 to \(Self.maximumItems) notifications; send more in further batches")
        }
        let hashes = items.contains { $0.idempotencyKey != nil } ? try Self.itemHashes(of: body) : []
        let intake = NotificationIntake(dependencies: dependencies, tenantID: tenantID)
        // Checked concurrently, so that their database checks share round trips.
        let prepared = try await withThrowingTaskGroup(
            of: (Int, Result<NotificationAcceptance.Request, any Error>).self
        ) { group in
            for (index, item) in items.enumerated() {
                group.addTask {
                    do {
                        let request = try await intake.prepare(
                            item.notification, idempotencyKey: item.idempotencyKey,
                            requestHash: hashes.isEmpty ? nil : hashes[index])
                        return (index, .success(request))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var results = [Result<NotificationAcceptance.Request, any Error>?](repeating: nil, count: items.count)
            for try await (index, result) in group { results[index] = result }
            return try results.enumerated().map { index, result in
                do { return try result!.get() } catch { throw Self.located(error, at: index) }
            }
        }
        let accepted: [NotificationAcceptance.Accepted]
        do {
            accepted = try await dependencies.acceptance.acceptTogether(prepared, logger: context.logger)
        } catch let failure as NotificationAcceptance.ItemFailure {
            throw Self.located(failure.underlying, at: failure.index)
        }
        return try APIResponse.json(["notifications": accepted.map(\.json)], status: .accepted)
    }

    /// `error` with the item's position in front of its sentence, when it is an API error.
    static func located(_ error: any Error, at index: Int) -> any Error {
        guard let error = error as? APIError else { return error }
        return APIError(
            error.status, code: error.code, "notifications[\(index)]: \(error.detail)", headers: error.headers)
    }

    /// `notifications[3]`, from a decoder's coding path.
    static func position(_ path: [any CodingKey]) -> String {
        guard let index = path.last?.intValue else { return "each of \"notifications\"" }
        return "notifications[\(index)]"
    }

    /// The hash of each item in canonical form without its `idempotency_key`: the hash a single
    /// `POST /v1/notifications` of the same notification has, so that a key first used there
    /// answers a batch item of the same body as a replay.
    static func itemHashes(of body: Data) throws -> [Data] {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let items = object["notifications"] as? [[String: Any]]
        else { throw APIError(.badRequest, code: "invalid_body", "\"notifications\" must be an array of objects") }
        return try items.map { item in
            var item = item
            item["idempotency_key"] = nil
            let canonical = try JSONSerialization.data(withJSONObject: item, options: [.sortedKeys])
            return Data(SHA256.hash(data: canonical))
        }
    }
}
