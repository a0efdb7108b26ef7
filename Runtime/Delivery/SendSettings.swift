import NotifyFunctionKit

/// How the senders behave.
///
/// Configuration (environment, read by the CLI): `NOTIFY_PUBLIC_URL` (the base of callback URLs,
/// such as `https://notify.example.com`), `NOTIFY_SEND_TIMEOUT_MS` (default 10000),
/// `NOTIFY_SEND_CONCURRENCY` (default 64 requests in flight per job), `NOTIFY_SEND_MAX_ATTEMPTS`
/// (default 8), `NOTIFY_SEND_CHUNK` (default 32 deliveries claimed and recorded together).
public struct SendSettings: Sendable, Hashable {
    /// The deadline of one provider request.
    public var requestTimeout: Duration
    /// Provider requests in flight at once within one job.
    public var concurrency: Int
    /// Attempts per delivery before it is recorded failed.
    public var maxAttempts: Int
    /// Deliveries claimed, sent and recorded together within a job (the most a crash can leave
    /// in the unknown state per job).
    public var chunkSize: Int
    /// The engine's public base URL, for provider status callbacks; `nil` asks for none.
    public var publicURL: String?
    /// The shortest and longest retry delays (full jitter in between).
    public var retryBase: Duration
    public var retryCap: Duration

    /// The backoff between a delivery's attempts: `retryBase` doubling up to `retryCap`.
    public var retryPolicy: RetryPolicy { RetryPolicy(base: retryBase, cap: retryCap) }

    /// Creates settings.
    public init(
        requestTimeout: Duration = .seconds(10), concurrency: Int = 64, maxAttempts: Int = 8,
        publicURL: String? = nil, retryBase: Duration = .seconds(1), retryCap: Duration = .seconds(300),
        chunkSize: Int = 32
    ) {
        self.chunkSize = max(chunkSize, 1)
        self.requestTimeout = requestTimeout
        self.concurrency = max(concurrency, 1)
        self.maxAttempts = max(maxAttempts, 1)
        self.publicURL = publicURL
        self.retryBase = retryBase
        self.retryCap = retryCap
    }
}
