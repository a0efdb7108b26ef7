import Foundation
import Synchronization

/// Per-tenant request rate limits: a token bucket per tenant, refilled at the tenant's
/// `requests_per_second` with a burst of twice that.
///
/// Buckets live in this process: behind a load balancer with N API processes a tenant gets up to N
/// times its rate. That keeps the check free of a database write per request, which matters more
/// here than exactness.
public final class TenantRateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let buckets = Mutex<[String: Bucket]>([:])

    /// Creates a limiter with no buckets.
    public init() {}

    /// Takes one token for `tenantID`; returns nil when allowed, else the seconds until a token frees.
    public func take(_ tenantID: String, perSecond rate: Int, now: ContinuousClock.Instant = .now) -> Int? {
        let rate = Double(max(1, rate))
        let burst = rate * 2
        return buckets.withLock { buckets in
            var bucket = buckets[tenantID] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + seconds * rate)
            bucket.updated = now
            defer { buckets[tenantID] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }
}
