import Foundation
import Synchronization

/// Request rate limits held in this process: a token bucket per key (a user for the inbox, and a
/// tenant while ``SharedRequestLimiter`` cannot read its shared bucket), refilled at the key's rate
/// per second with a burst of twice that.
///
/// Behind a load balancer with N API processes a key gets up to N times its rate. For the inbox
/// that keeps the check free of a database write per end user, which matters more there than
/// exactness. A bucket that has refilled is the same as none, so once more than
/// ``sweepAbove`` keys are held, the full ones are dropped: an inbox's millions of users cost
/// memory only while they are busy.
public final class RequestRateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
        /// Tokens a second: its key's rate when it was last taken from.
        var rate: Double

        /// Whether it has refilled by `now`, so that dropping it changes nothing.
        func isFull(at now: ContinuousClock.Instant) -> Bool {
            tokens + RequestRateLimiter.seconds(now - updated) * rate >= rate * 2
        }
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
        /// The size at which the next sweep runs: ``sweepAbove``, or twice what the last sweep left,
        /// so that sweeps stay rare.
        var sweepAt: Int
    }

    /// The keys held before full buckets are swept.
    public let sweepAbove: Int
    private let state: Mutex<State>

    /// Creates a limiter with no buckets.
    public init(sweepAbove: Int = 10_000) {
        self.sweepAbove = sweepAbove
        self.state = Mutex(State(sweepAt: sweepAbove))
    }

    /// The keys held now.
    public var keyCount: Int { state.withLock { $0.buckets.count } }

    /// Takes one token for `key`; returns nil when allowed, else the seconds until a token frees.
    public func take(_ key: String, perSecond rate: Int, now: ContinuousClock.Instant = .now) -> Int? {
        let rate = Double(max(1, rate))
        let burst = rate * 2
        let sweepAbove = self.sweepAbove
        return state.withLock { state in
            var bucket = state.buckets[key] ?? Bucket(tokens: burst, updated: now, rate: rate)
            bucket.tokens = min(burst, bucket.tokens + Self.seconds(now - bucket.updated) * rate)
            bucket.updated = now
            bucket.rate = rate
            defer {
                state.buckets[key] = bucket
                if state.buckets.count > state.sweepAt {
                    state.buckets = state.buckets.filter { _, bucket in !bucket.isFull(at: now) }
                    state.sweepAt = max(sweepAbove, state.buckets.count * 2)
                }
            }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
