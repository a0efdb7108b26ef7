/// Capped exponential backoff with full jitter: before attempt `n + 1` the job waits a random
/// delay in `0 ... min(cap, base × 2^(n-1))`.
///
/// Full jitter spreads retries of many jobs that failed together (a provider outage) instead of
/// sending them back in one wave. A provider's Retry-After, when given, is a lower bound.
public struct RetryPolicy: Sendable, Hashable {
    /// The ceiling of the first delay.
    public var base: Duration
    /// The largest delay ever chosen.
    public var cap: Duration

    /// Creates a policy.
    public init(base: Duration = .seconds(1), cap: Duration = .seconds(600)) {
        self.base = base
        self.cap = cap
    }

    /// One second doubling up to ten minutes.
    public static let `default` = RetryPolicy()

    /// The largest delay that can be chosen after `failedAttempt` failures (1-based).
    public func ceiling(afterAttempt failedAttempt: Int) -> Duration {
        let exponent = min(max(failedAttempt - 1, 0), 40)
        let baseSeconds = base.inSeconds
        let capSeconds = cap.inSeconds
        let seconds = min(capSeconds, baseSeconds * Double(1 << UInt64(exponent)))
        return .milliseconds(Int64(seconds * 1000))
    }

    /// The delay before the next attempt after `failedAttempt` failures, honouring `retryAfter`.
    public func delay<G: RandomNumberGenerator>(
        afterAttempt failedAttempt: Int, retryAfter: Duration? = nil, using generator: inout G
    ) -> Duration {
        let ceilingMilliseconds = Self.milliseconds(ceiling(afterAttempt: failedAttempt))
        let jittered = Duration.milliseconds(
            ceilingMilliseconds > 0 ? Int64.random(in: 0...ceilingMilliseconds, using: &generator) : 0)
        if let retryAfter, retryAfter > jittered { return retryAfter }
        return jittered
    }

    /// ``delay(afterAttempt:retryAfter:using:)`` with the system random number generator.
    public func delay(afterAttempt failedAttempt: Int, retryAfter: Duration? = nil) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(afterAttempt: failedAttempt, retryAfter: retryAfter, using: &generator)
    }

    /// Whole milliseconds of a duration.
    public static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
