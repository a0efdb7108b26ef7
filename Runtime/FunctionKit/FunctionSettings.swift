/// How the runtime runs a function: attempts, time limit, retry delays and default lane.
public struct FunctionSettings: Sendable, Hashable {
    /// Attempts before a job moves to the dead-letter table (at least 1).
    public var maxAttempts: Int
    /// How long one invocation may run before it is cancelled and counted as a transient failure.
    public var timeout: Duration
    /// Delays between attempts after a transient failure.
    public var retry: RetryPolicy
    /// The lane used when a producer does not name one.
    public var defaultLane: Lane
    /// Whether a worker may run this function inside its predecessor's job (see ``InlinePolicy``).
    public var inlining: InlinePolicy
    /// Whether the job's completion waits for the disk (see ``CompletionCommit``). A completion
    /// that carries several jobs, or successors run inline, waits if any of them must.
    public var completion: CompletionCommit

    /// Creates settings; `maxAttempts` is clamped to at least 1.
    public init(
        maxAttempts: Int = 5, timeout: Duration = .seconds(30), retry: RetryPolicy = .default,
        defaultLane: Lane = .transactional, inlining: InlinePolicy = .never, completion: CompletionCommit = .durable
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.timeout = timeout
        self.retry = retry
        self.defaultLane = defaultLane
        self.inlining = inlining
        self.completion = completion
    }

    /// Five attempts, 30 s per attempt, ``RetryPolicy/default``, transactional lane, never inlined,
    /// durable completions.
    public static let `default` = FunctionSettings()
}
