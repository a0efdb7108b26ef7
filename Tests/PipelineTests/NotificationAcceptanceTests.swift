import Foundation
import NotifyFunctionKit
import NotifyModel
import NotifyTestSupport
import PostgresNIO
import Testing

@testable import NotifyAPI

/// Accepting several API requests in one transaction, as concurrent `POST /v1/notifications`
/// calls are accepted.
@Suite struct NotificationAcceptanceTests {
    /// A request to accept `id` for `tenant` with `key` and a body hash of `hash`.
    static func request(
        _ id: UUID, tenant: String, key: String?, hash: UInt8, status: String = "accepted"
    ) throws -> NotificationAcceptance.Request {
        NotificationAcceptance.Request(
            row: NotificationAcceptance.Row(
                id: id, tenantID: tenant, categoryKey: "welcome", templateKey: nil, recipients: #"{"users":["ada"]}"#,
                data: #"{"n":1}"#, channels: ["inapp"], lane: nil, sendAt: nil, sendAtLocal: nil, status: status,
                idempotencyKey: key, requestHash: Data(repeating: hash, count: 32)),
            job: try JobRequest(
                function: "validate", input: ValidateInput(tenantID: tenant, notificationID: id), tenantID: tenant),
            critical: false)
    }

    @Test func oneTransactionAnswersEachRequestAndABadRowFailsOnlyItself() async throws {
        try await Engine.with { engine in
            let tenant = try await engine.tenant()
            let runtime = engine.runtime
            let first = UUID()
            let requests = [
                try Self.request(first, tenant: tenant.id, key: "k-1", hash: 1),
                // A status outside its domain: this row cannot be written, and the batch falls back to
                // one by one.
                try Self.request(UUID(), tenant: tenant.id, key: nil, hash: 2, status: "lost"),
                // The first request's key with another body: refused.
                try Self.request(UUID(), tenant: tenant.id, key: "k-1", hash: 3),
                // The first request's key and body again: a replay of it.
                try Self.request(UUID(), tenant: tenant.id, key: "k-1", hash: 1),
                try Self.request(UUID(), tenant: tenant.id, key: nil, hash: 4),
            ]
            let results = try await NotificationAcceptance.acceptAll(
                requests, client: runtime.client, producer: runtime.producer, logger: runtime.logger)
            #expect(results.count == 5)
            let accepted = try results[0].get()
            #expect(accepted.id == first && !accepted.replay && accepted.status == "accepted")
            #expect(throws: (any Error).self) { try results[1].get() }
            if case .failure(let error) = results[2] {
                #expect((error as? APIError)?.code == "idempotency_key_reused")
            } else {
                Issue.record("a key reused with another body was accepted")
            }
            let replay = try results[3].get()
            #expect(replay.id == first && replay.replay)
            #expect(!(try results[4].get().replay))
            // Two notifications, each with its first event and its validate job.
            #expect(
                try await runtime.count("SELECT count(*) FROM notify.notifications WHERE tenant_id = \(tenant.id)") == 2
            )
            #expect(
                try await runtime.count(
                    "SELECT count(*) FROM notify.events WHERE tenant_id = \(tenant.id) AND kind = 'accepted'") == 2)
        }
    }
}
