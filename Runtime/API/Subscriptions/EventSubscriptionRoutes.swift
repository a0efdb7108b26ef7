import Foundation
import Hummingbird
import NotifyModel
import NotifyProviders
import PostgresNIO

/// Subscriptions to the tenant's own delivery-status events: `POST /v1/event-subscriptions`,
/// `GET /v1/event-subscriptions`, `GET /v1/event-subscriptions/{id}`,
/// `DELETE /v1/event-subscriptions/{id}` and `POST /v1/event-subscriptions/{id}/rotate-secret`.
///
/// The signing secret (`whsec_…`) is answered once, on creation and on rotation; it is stored
/// only as AES-GCM ciphertext and never listed or logged. A new subscription receives the events
/// recorded after it was created (see `deliver-status-events`).
struct EventSubscriptionRoutes: Sendable {
    let dependencies: APIDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("event-subscriptions") { request, context in try await create(request, context) }
        group.get("event-subscriptions") { _, context in try await list(context) }
        group.get("event-subscriptions/{id}") { _, context in try await get(context) }
        group.delete("event-subscriptions/{id}") { _, context in try await delete(context) }
        group.post("event-subscriptions/{id}/rotate-secret") { _, context in try await rotate(context) }
    }

    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let body = try await JSONBody.decode(
            EventSubscriptionRequest.self, from: request, allowedKeys: EventSubscriptionRequest.allowedKeys)
        let url = try body.checkedURL()
        let kinds = try body.checkedKinds()
        let id = Self.newID()
        let secret = StandardWebhookSignature.generateSecret()
        let sealed = Data(try dependencies.cipher.seal(secret))
        // The cursor starts at the tenant's newest event: a subscription receives what happens next.
        _ = try await dependencies.rows(
            """
            INSERT INTO notify.event_subscriptions (tenant_id, id, url, secret_cipher, kinds, cursor)
            VALUES (\(tenantID), \(id), \(url), \(sealed), \(kinds),
                    coalesce((SELECT max(e.id) FROM notify.events e WHERE e.tenant_id = \(tenantID)), 0))
            """)
        var view = try await EventSubscriptionView.load(dependencies, tenantID: tenantID, id: id).first ?? [:]
        view["secret"] = secret
        return try APIResponse.json(view, status: .created)
    }

    func list(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let views = try await EventSubscriptionView.load(dependencies, tenantID: tenantID, id: nil)
        return try APIResponse.json(["subscriptions": views], status: .ok)
    }

    func get(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let id = try subscriptionID(context)
        guard let view = try await EventSubscriptionView.load(dependencies, tenantID: tenantID, id: id).first else {
            throw APIError.notFound("event_subscription", id)
        }
        return try APIResponse.json(view, status: .ok)
    }

    func delete(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let id = try subscriptionID(context)
        let rows = try await dependencies.rows(
            "DELETE FROM notify.event_subscriptions WHERE tenant_id = \(tenantID) AND id = \(id) RETURNING id")
        guard !rows.isEmpty else { throw APIError.notFound("event_subscription", id) }
        return APIResponse.noContent
    }

    /// Replaces the signing secret; batches already being sent finish with the old one.
    func rotate(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let id = try subscriptionID(context)
        let secret = StandardWebhookSignature.generateSecret()
        let sealed = Data(try dependencies.cipher.seal(secret))
        let rows = try await dependencies.rows(
            """
            UPDATE notify.event_subscriptions SET secret_cipher = \(sealed), updated_at = clock_timestamp()
            WHERE tenant_id = \(tenantID) AND id = \(id) RETURNING id
            """)
        guard !rows.isEmpty else { throw APIError.notFound("event_subscription", id) }
        return try APIResponse.json(["id": id, "secret": secret], status: .ok)
    }

    /// `sub_` and 24 random lowercase letters and digits.
    static func newID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return "sub_" + String((0..<24).map { _ in alphabet.randomElement(using: &generator)! })
    }

    private func subscriptionID(_ context: APIRequestContext) throws -> String {
        let id = context.parameters.get("id")?.removingPercentEncoding ?? ""
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_-")
        guard (2...63).contains(id.count), id.allSatisfy({ allowed.contains($0) }), id.first != "_", id.first != "-"
        else {
            throw APIError(
                .badRequest, code: "invalid_subscription_id",
                "subscription id \"\(id.prefix(70))\" is not one this API issues; use the \"id\" answered by POST /v1/event-subscriptions"
            )
        }
        return id
    }
}
