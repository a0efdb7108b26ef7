import Foundation
import NotifyFunctionKit
import NotifyModel
import NotifyRuntime

/// Turns a decoded notification request into what ``NotificationAcceptance`` writes, after its
/// checks: its shape, its send time, its `Idempotency-Key`, and what it names in the database
/// (``NotificationChecks``). Shared by `POST /v1/notifications` and `POST /v1/notifications/batch`.
struct NotificationIntake: Sendable {
    let dependencies: APIDependencies
    let tenantID: String

    /// The acceptance request for `notification`; `requestHash` is the hash of its canonical body
    /// (see ``NotificationRoutes/canonicalHash(of:)``), kept only with an idempotency key.
    func prepare(
        _ notification: NotificationRequest, idempotencyKey key: String?, requestHash: Data?
    ) async throws -> NotificationAcceptance.Request {
        try notification.validateShape()
        let timing = try SendTiming(sendAt: notification.sendAt, sendAtLocal: notification.sendAtLocal)
        let recipients = try notification.recipientsJSON()
        if let key, key.isEmpty || key.count > 255 {
            throw APIError(
                .badRequest, code: "invalid_idempotency_key",
                "the idempotency key (the Idempotency-Key header, or idempotency_key in a batch) must be 1 to 255 characters"
            )
        }
        let lane = try await NotificationChecks(dependencies: dependencies, tenantID: tenantID).check(notification)
        let scheduled = timing.isScheduled(now: Date())
        let data = String(decoding: try JSONEncoder().encode(notification.data ?? [:]), as: UTF8.self)
        let id = UUID()
        return NotificationAcceptance.Request(
            row: NotificationAcceptance.Row(
                id: id, tenantID: tenantID, categoryKey: notification.category, templateKey: notification.template,
                recipients: recipients, data: data, channels: notification.channels,
                lane: notification.priority.flatMap(Lane.init(name:))?.description, sendAt: notification.sendAt,
                sendAtLocal: timing.localText, status: scheduled ? "scheduled" : "accepted", idempotencyKey: key,
                requestHash: key == nil ? nil : requestHash),
            job: try JobRequest(
                function: "validate", input: ValidateInput(tenantID: tenantID, notificationID: id), lane: lane,
                runAt: scheduled ? timing.validateRunAt : nil, tenantID: tenantID),
            critical: lane == .critical)
    }
}
