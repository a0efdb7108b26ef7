import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// `webhook-ingest`: turns a verified provider callback (stored raw by the HTTP shim) into timeline
/// events and delivery outcomes, and keeps the suppression list true: hard bounces, spam reports,
/// unsubscribes and STOP add the address; START and resubscribes remove it.
///
/// Repeats are ignored: each provider event has a key (SendGrid `sg_event_id`, Twilio message sid
/// and status) recorded in `notify.callback_receipts` in the same statement that applies the
/// event, so a callback retried for 24 hours changes nothing twice. Outcomes only move forward
/// (a late `sent` never overwrites `delivered`). A status callback that outruns our own record of
/// the send is retried until the send is recorded.
public struct WebhookIngestFunction: NotifyFunction {
    public typealias Input = WebhookIngestInput

    public static let name: FunctionName = "webhook-ingest"
    public static let settings = FunctionSettings(maxAttempts: 10, timeout: .seconds(30))

    /// How long a callback naming an unknown message is retried before it is recorded unmatched.
    static let matchWindow: TimeInterval = 600

    private let hasher: LookupHasher?

    /// Creates the function with the engine's lookup hasher (for suppressions). Without one (a
    /// process started without the keys) jobs fail transiently, naming the missing configuration.
    public init(hasher: LookupHasher?) {
        self.hasher = hasher
    }

    public func handle(_ input: WebhookIngestInput, context: FunctionContext) async throws -> FunctionOutput {
        guard let hasher else {
            throw FunctionError(
                .transient(retryAfter: .seconds(30)), code: "delivery_unconfigured",
                "this worker was started without NOTIFY_LOOKUP_KEY, so it cannot update suppressions; start it with the keys"
            )
        }
        let rows = try await context.database.query(
            """
            SELECT account_id, kind, content_type, body, received_at, ingested_at IS NOT NULL
            FROM notify.provider_callbacks WHERE id = \(input.callbackID) AND tenant_id = \(input.tenantID)
            """, logger: context.logger)
        guard let row = rows.first else {
            throw FunctionError(
                .permanent, code: "callback_not_found", "callback \(input.callbackID) does not exist for this tenant")
        }
        let (accountID, kind, contentType, body, receivedAt, ingested) = try row.decode(
            (String, String, String, Data, Date, Bool).self)
        if ingested { return FunctionOutput(summary: #"{"events":0,"already_ingested":true}"#) }
        let events: [CallbackEvent]
        let channel: NotifyModel.Channel
        switch kind {
        case "twilio":
            events = try TwilioCallbackParser.events(String(decoding: body, as: UTF8.self))
            channel = .sms
        case "vonage":
            events = try VonageCallbackParser.events(Array(body), contentType: contentType)
            channel = .sms
        case "sendgrid":
            events = try SendGridCallbackParser.events(Array(body))
            channel = .email
        default:
            throw FunctionError(.permanent, code: "callback_kind_unknown", "no parser for \(kind) callbacks")
        }
        try await requireRecordedSends(
            events, accountID: accountID, input: input, receivedAt: receivedAt, context: context)
        var writes = events.map {
            apply($0, accountID: accountID, provider: kind, channel: channel, input: input, hasher: hasher)
        }
        let undelivered = events.filter { $0.kind.deliveryStatus == "failed" }
        if !undelivered.isEmpty {
            writes.append(
                ChannelFallback.afterCallback(
                    tenantID: input.tenantID, accountID: accountID, deliveryIDs: undelivered.compactMap(\.deliveryID),
                    providerMessageIDs: undelivered.compactMap(\.providerMessageID), lane: .transactional))
        }
        writes.append(
            "UPDATE notify.provider_callbacks SET ingested_at = now() WHERE id = \(input.callbackID) AND tenant_id = \(input.tenantID)"
        )
        return FunctionOutput(writes: writes, summary: #"{"events":\#(events.count)}"#)
    }

    /// Outcome callbacks can outrun the sender's completion, which records the provider account
    /// and message id; retry those (transient) for a while instead of dropping them.
    private func requireRecordedSends(
        _ events: [CallbackEvent], accountID: String, input: WebhookIngestInput, receivedAt: Date,
        context: FunctionContext
    ) async throws {
        let outcomes = events.filter { $0.kind.deliveryStatus != nil }
        guard !outcomes.isEmpty, Date().timeIntervalSince(receivedAt) < Self.matchWindow else { return }
        let deliveryIDs = outcomes.compactMap(\.deliveryID)
        let messageIDs = outcomes.compactMap(\.providerMessageID)
        let rows = try await context.database.query(
            """
            -- Lookups by key, the tenant checked on the rows found (as `apply`'s target).
            SELECT d.id, coalesce(d.provider_message_id, '') FROM (
                SELECT id, provider_message_id, tenant_id FROM notify.deliveries
                WHERE provider_account_id = \(accountID) AND provider_message_id = ANY(\(messageIDs)::text[])
                UNION ALL
                SELECT id, provider_message_id, tenant_id FROM notify.deliveries
                WHERE id = ANY(\(deliveryIDs)::bigint[]) AND provider_account_id = \(accountID)
                OFFSET 0
            ) d
            WHERE d.tenant_id = \(input.tenantID)
            """, logger: context.logger)
        var recordedIDs = Set<Int64>()
        var recordedMessages = Set<String>()
        for row in rows {
            let (id, messageID) = try row.decode((Int64, String).self)
            recordedIDs.insert(id)
            recordedMessages.insert(messageID)
        }
        let unmatched = outcomes.filter { event in
            !(event.deliveryID.map(recordedIDs.contains) ?? false)
                && !(event.providerMessageID.map(recordedMessages.contains) ?? false)
        }
        if !unmatched.isEmpty {
            throw FunctionError(
                .rateLimited(retryAfter: Self.recheckDelay(waited: Date().timeIntervalSince(receivedAt))),
                code: "send_not_recorded_yet",
                "\(unmatched.count) status callback event(s) name a message whose send is not recorded yet; retrying")
        }
    }

    /// How long a callback that outran its send waits before looking again: a quarter of the time
    /// it has waited, from 100 ms to 1 s. A send is usually recorded within milliseconds of the
    /// provider's answer, and a "delivered" applied late can let a timed channel fallback (which
    /// may be due after one second) send the same notification twice. The wait is a snooze: it
    /// spends no attempt, so a sender stalled for minutes loses no callback within `matchWindow`.
    static func recheckDelay(waited: TimeInterval) -> Duration {
        .milliseconds(Int(min(1000, max(100, waited * 250))))
    }

    private func apply(
        _ event: CallbackEvent, accountID: String, provider: String, channel: NotifyModel.Channel,
        input: WebhookIngestInput, hasher: LookupHasher
    ) -> PostgresQuery {
        let detail = TimelineWrites.detail(
            ["provider": provider, "code": event.code ?? ""].filter { !$0.value.isEmpty })
        let suppressHash = event.suppress.map { hasher.hex($0, channel: channel) } ?? ""
        let unsuppressHash = event.unsuppress.map { hasher.hex($0, channel: channel) } ?? ""
        let reason = "\(provider)_\(event.kind.rawValue)"
        return """
            WITH receipt AS (
                INSERT INTO notify.callback_receipts (account_id, event_key) VALUES (\(accountID), \(event.dedupKey))
                ON CONFLICT DO NOTHING RETURNING 1
            ), target AS (
                -- Two lookups by key, not one search with OR, and the tenant checked on the rows
                -- found (OFFSET 0 keeps its condition out of the lookups): on a young table the
                -- planner answered either through the tenant's index, every delivery of the tenant.
                SELECT d.id, d.notification_id FROM (
                    SELECT d.id, d.notification_id, d.tenant_id FROM notify.deliveries d
                    WHERE d.provider_account_id = \(accountID)
                      AND d.provider_message_id = nullif(\(event.providerMessageID ?? ""), '')
                    UNION ALL
                    SELECT d.id, d.notification_id, d.tenant_id FROM notify.deliveries d
                    WHERE d.id = \(event.deliveryID ?? -1) AND d.provider_account_id = \(accountID)
                    OFFSET 0
                ) d
                WHERE d.tenant_id = \(input.tenantID) AND EXISTS (SELECT 1 FROM receipt)
                LIMIT 1
            ), outcome AS (
                UPDATE notify.deliveries d SET status = \(event.kind.deliveryStatus ?? ""),
                    reason = CASE WHEN \(event.kind.deliveryStatus ?? "") = 'failed' THEN \(reason) ELSE d.reason END,
                    updated_at = now()
                FROM target
                WHERE d.id = target.id AND \(event.kind.deliveryStatus ?? "") <> ''
                  AND d.status IN ('sending', 'sent', 'unknown')
                RETURNING d.id
            ), timeline AS (
                INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
                SELECT \(input.tenantID), notification_id, id, \(event.kind.rawValue), \(detail)::jsonb FROM target
                WHERE \(event.kind.rawValue) <> 'progress'
            ), suppressed AS (
                INSERT INTO notify.suppressions (tenant_id, channel, address_hash, reason)
                SELECT \(input.tenantID), \(channel.rawValue), decode(\(suppressHash), 'hex'), \(reason)
                WHERE \(suppressHash) <> '' AND EXISTS (SELECT 1 FROM receipt)
                ON CONFLICT (tenant_id, channel, address_hash) DO NOTHING
            ), suppression_noted AS (
                INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
                SELECT \(input.tenantID), notification_id, id, 'suppressed', jsonb_build_object('reason', \(reason)::text)
                FROM target WHERE \(suppressHash) <> ''
            )
            DELETE FROM notify.suppressions
            WHERE \(unsuppressHash) <> '' AND tenant_id = \(input.tenantID) AND channel = \(channel.rawValue)
              AND address_hash = decode(\(unsuppressHash), 'hex') AND EXISTS (SELECT 1 FROM receipt)
            """
    }
}
