import AsyncHTTPClient
import NotifyFunctionKit
import NotifyModel
import NotifyProviders
import PostgresNIO

/// `deliver-status-events`: POSTs the next batch of a tenant's delivery-status events to one of
/// its event subscriptions, signed the Standard Webhooks way.
///
/// The leader's `schedule-tick` enqueues a job when a subscription has newer events and is neither
/// in flight nor backing off (see `StatusEventDispatch`). A batch is up to 100 events after the
/// subscription's cursor, only events older than two seconds (so an event committed late with a
/// lower id is not skipped), cut at the first younger one. Its completion write advances the cursor;
/// a refused or failed POST is recorded on the subscription (`failures`, `last_error`) and the job
/// still completes, so the tick retries with the subscription's own backoff and the queue's
/// dead-letter table only sees errors of the engine itself. Delivery is at least once: receivers
/// deduplicate by event `id` (or by `webhook-id`, stable for a batch until it grows).
public struct StatusEventsFunction: NotifyFunction {
    /// Which subscription to serve.
    public struct Input: Codable, Sendable, Hashable {
        /// The subscription's tenant.
        public var tenantID: String
        /// The subscription's id, such as `sub_…`.
        public var subscriptionID: String

        enum CodingKeys: String, CodingKey {
            case tenantID = "tenant_id"
            case subscriptionID = "subscription_id"
        }

        /// Creates an input.
        public init(tenantID: String, subscriptionID: String) {
            self.tenantID = tenantID
            self.subscriptionID = subscriptionID
        }
    }

    public static let name: FunctionName = "deliver-status-events"
    public static let settings = FunctionSettings(maxAttempts: 3, timeout: .seconds(30), defaultLane: .bulk)

    /// The most events in one POST.
    public static let batchSize = 100
    /// How long one POST may take.
    public static let requestTimeout: Duration = .seconds(10)

    private let cipher: ContactCipher?
    private let client: WebhookClient

    /// Creates the function. `cipher` opens the subscriptions' signing secrets; without it (a
    /// process started without `NOTIFY_ENCRYPTION_KEYS`) every job fails transiently, so a
    /// correctly configured worker can take it.
    public init(cipher: ContactCipher?, httpClient: HTTPClient) {
        self.cipher = cipher
        self.client = WebhookClient(httpClient: httpClient, userAgent: "notify-status-events/1")
    }

    public func handle(_ input: Input, context: FunctionContext) async throws -> FunctionOutput {
        guard let cipher else {
            throw FunctionError(
                .transient, code: "encryption_keys_missing",
                "deliver-status-events needs NOTIFY_ENCRYPTION_KEYS to open subscription secrets; start this worker with them"
            )
        }
        let writes = StatusEventWrites(input: input)
        guard let subscription = try await StatusEventSubscription.load(input, context: context) else {
            return FunctionOutput(summary: #"{"subscription":"gone"}"#)
        }
        guard subscription.enabled else { return FunctionOutput(writes: [writes.idle()]) }
        let secret: String
        do {
            secret = try cipher.open(subscription.secretCipher)
        } catch {
            return FunctionOutput(writes: [writes.failed(code: error.code, message: error.message)])
        }
        let batch = try await StatusEventBatch.load(subscription, limit: Self.batchSize, context: context)
        guard let cursor = batch.cursor else { return FunctionOutput(writes: [writes.idle()]) }
        guard let first = batch.firstEventID, let last = batch.lastEventID else {
            // Only events the kinds filter skips: move past them without a POST.
            return try output(writes.delivered(cursor: cursor, more: batch.hasMore), batch: batch, input: input)
        }
        let message = WebhookMessage(
            deliveryID: "evt_\(input.subscriptionID)_\(first)_\(last)", url: subscription.url, body: batch.body,
            signingSecret: secret)
        switch await client.send(.webhook(message), timeout: Self.requestTimeout, logger: context.logger) {
        case .accepted:
            return try output(writes.delivered(cursor: cursor, more: batch.hasMore), batch: batch, input: input)
        case .failed(let failure):
            return FunctionOutput(
                writes: [writes.failed(code: failure.code, message: failure.message)],
                summary: #"{"delivered":0,"failure":"\#(failure.code)"}"#)
        }
    }

    /// The success output: the cursor write, and the next batch at once when more events wait.
    private func output(_ write: PostgresQuery, batch: StatusEventBatch, input: Input) throws -> FunctionOutput {
        let next = batch.hasMore ? [try JobRequest(Self.self, input: input, tenantID: input.tenantID)] : []
        return FunctionOutput(
            next: next, writes: [write], summary: #"{"delivered":\#(batch.count),"more":\#(batch.hasMore)}"#)
    }
}
