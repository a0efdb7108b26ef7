import Foundation
import Logging
import Metrics
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
///
/// A failure's provider code decides what follows, by the same table the senders use for
/// synchronous errors: permanent codes suppress the address; transient ones (Twilio 30001, 30003,
/// 30008) send the delivery again after a backoff while its attempts last, and an unreachable
/// handset (30003) is suppressed only when they run out; configuration codes (30002 suspended,
/// 30007 filtered) fail the delivery without blaming the recipient, log an error and count
/// `notify_provider_callback_alerts_total{provider, code}`, and a suspended account's circuit opens.
public struct WebhookIngestFunction: NotifyFunction {
    public typealias Input = WebhookIngestInput

    public static let name: FunctionName = "webhook-ingest"
    public static let settings = FunctionSettings(maxAttempts: 10, timeout: .seconds(30))

    /// How long a callback naming an unknown message is retried before it is recorded unmatched.
    static let matchWindow: TimeInterval = 600

    private let hasher: LookupHasher?
    /// Attempts per delivery, as the senders count them (`NOTIFY_SEND_MAX_ATTEMPTS`).
    private let maxAttempts: Int
    /// The backoff before a delivery a callback reported transiently undelivered is sent again.
    private let retry: RetryPolicy
    /// How long a circuit a callback opens stays open (`NOTIFY_CIRCUIT_OPEN_MS`).
    private let circuitOpenFor: Duration

    /// Creates the function with the engine's lookup hasher (for suppressions). Without one (a
    /// process started without the keys) jobs fail transiently, naming the missing configuration.
    /// `maxAttempts`, `retry` and `circuitOpenFor` should be the senders' own settings.
    public init(
        hasher: LookupHasher?, maxAttempts: Int = 8, retry: RetryPolicy = RetryPolicy(cap: .seconds(300)),
        circuitOpenFor: Duration = .seconds(15)
    ) {
        self.hasher = hasher
        self.maxAttempts = max(maxAttempts, 1)
        self.retry = retry
        self.circuitOpenFor = circuitOpenFor
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
        for event in events {
            guard case .configuration = event.failure, let code = event.code else { continue }
            context.logger.error(
                "provider reported a configuration problem in a status callback",
                metadata: ["account": "\(accountID)", "provider": "\(kind)", "code": "\(code)"])
            Counter(label: "notify_provider_callback_alerts_total", dimensions: [("provider", kind), ("code", code)])
                .increment()
        }
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
        let status = event.kind.deliveryStatus ?? ""
        // A retried failure is sent again while attempts remain; the first attempt waits up to
        // `retry.base`, each later one up to twice as long, at most `retry.cap` (full jitter).
        let retries = event.retries
        let baseSeconds = retry.base.inSeconds
        let capSeconds = retry.cap.inSeconds
        let openSeconds = circuitOpenFor.inSeconds
        // The provider's code as the senders name it (`twilio_30002`).
        let failureCode = event.code.map { "\(provider)_\($0)" } ?? reason
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
                UPDATE notify.deliveries d SET
                    status = CASE WHEN \(retries) AND d.attempts < \(maxAttempts) THEN 'rendered' ELSE \(status) END,
                    reason = CASE WHEN \(status) = 'failed' THEN \(reason) ELSE d.reason END,
                    updated_at = now()
                FROM target
                WHERE d.id = target.id AND \(status) <> ''
                  AND d.status IN ('sending', 'sent', 'unknown')
                RETURNING d.id, d.notification_id, d.user_id, d.channel, d.status, d.attempts
            ), retrying AS (
                SELECT o.id, o.notification_id, o.user_id, o.channel,
                       random() * least(\(capSeconds)::float8,
                                        \(baseSeconds)::float8 * power(2, least(greatest(o.attempts - 1, 0), 40))) AS wait
                FROM outcome o WHERE o.status = 'rendered'
            ), timeline AS (
                -- One insert, in this order, so the timeline reads "undelivered", then "retry_scheduled".
                INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
                SELECT \(input.tenantID), e.notification_id, e.id, e.kind, e.detail FROM (
                    SELECT 1 AS n, notification_id, id, \(event.kind.rawValue) AS kind, \(detail)::jsonb AS detail
                    FROM target WHERE \(event.kind.rawValue) <> 'progress'
                    UNION ALL
                    SELECT 2, notification_id, id, 'retry_scheduled',
                           jsonb_build_object('in_ms', round(wait * 1000)::bigint, 'reason', \(failureCode)::text)
                    FROM retrying
                ) e ORDER BY e.n
            ), suppressed AS (
                INSERT INTO notify.suppressions (tenant_id, channel, address_hash, reason)
                SELECT \(input.tenantID), \(channel.rawValue), decode(\(suppressHash), 'hex'), \(reason)
                WHERE \(suppressHash) <> '' AND EXISTS (SELECT 1 FROM receipt)
                  AND (NOT \(event.suppressesOnlyWhenExhausted) OR EXISTS (SELECT 1 FROM outcome WHERE status = 'failed'))
                ON CONFLICT (tenant_id, channel, address_hash) DO NOTHING
            ), suppression_noted AS (
                INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
                SELECT \(input.tenantID), notification_id, id, 'suppressed', jsonb_build_object('reason', \(reason)::text)
                FROM target WHERE \(suppressHash) <> ''
                  AND (NOT \(event.suppressesOnlyWhenExhausted) OR EXISTS (SELECT 1 FROM outcome WHERE status = 'failed'))
            ), circuit AS (
                -- A suspended account cannot send at all: its circuit opens as on a synchronous
                -- configuration error, so the next sends fail over at once.
                INSERT INTO notify.provider_circuits AS c (account_id, state, consecutive_failures, open_until, last_error)
                SELECT \(accountID), 'open', 1, now() + make_interval(secs => \(openSeconds)), \(failureCode)
                WHERE \(event.opensCircuit) AND EXISTS (SELECT 1 FROM receipt)
                ON CONFLICT (account_id) DO UPDATE SET
                    state = 'open', consecutive_failures = c.consecutive_failures + 1,
                    open_until = greatest(c.open_until, EXCLUDED.open_until), probe_until = NULL,
                    last_error = EXCLUDED.last_error, changed_at = now()
            ), unsuppressed AS (
                DELETE FROM notify.suppressions
                WHERE \(unsuppressHash) <> '' AND tenant_id = \(input.tenantID) AND channel = \(channel.rawValue)
                  AND address_hash = decode(\(unsuppressHash), 'hex') AND EXISTS (SELECT 1 FROM receipt)
            )
            -- The send job of each delivery sent again, in its notification's lane: its priority,
            -- else critical for a critical category, bulk for marketing, transactional otherwise
            -- (as `notify.send` and `PipelineLane` choose it).
            SELECT count(notify.enqueue(
                'send-' || r.channel,
                jsonb_build_object('tenant_id', \(input.tenantID)::text, 'notification_id', r.notification_id,
                                   'channel', r.channel, 'user_ids', jsonb_build_array(r.user_id)),
                coalesce(n.lane,
                         (SELECT CASE WHEN c.critical THEN 'critical' WHEN c.kind = 'marketing' THEN 'bulk' END
                          FROM notify.categories c WHERE c.tenant_id = n.tenant_id AND c.key = n.category_key),
                         'transactional'),
                now() + make_interval(secs => r.wait), \(input.tenantID)))
            FROM retrying r JOIN notify.notifications n ON n.id = r.notification_id AND n.tenant_id = \(input.tenantID)
            """
    }
}
