import Foundation
import NotifyTestSupport
import PostgresNIO
import Testing

@testable import NotifyAPI

/// A tenant's request limit holds across API processes: each ``SharedRequestLimiter`` here stands
/// for one process, and they share the tenant's bucket in the database.
@Suite struct SharedRequestLimiterTests {
    @Test func twoProcessesShareOneTenantsLimit() async throws {
        try await Engine.with { engine in
            _ = try await engine.tenant("acme", seed: false)
            let first = SharedRequestLimiter(client: engine.runtime.client, logger: engine.runtime.logger)
            let second = SharedRequestLimiter(client: engine.runtime.client, logger: engine.runtime.logger)
            let started = ContinuousClock.now
            var admitted = 0
            var retryAfter: [Int] = []
            for attempt in 0..<120 {
                let limiter = attempt.isMultiple(of: 2) ? first : second
                if let wait = await limiter.take("acme", perSecond: 10) {
                    retryAfter.append(wait)
                } else {
                    admitted += 1
                }
            }
            let elapsed = ContinuousClock.now - started
            // The burst is 20 (twice the rate), and the bucket refills at 10 a second meanwhile.
            // Each process limiting on its own would admit 20 each: 40.
            let refilled = Int(RequestRateLimiter.seconds(elapsed) * 10)
            #expect(admitted >= 20)
            #expect(admitted <= 20 + refilled + 2, "admitted \(admitted) in \(elapsed)")
            #expect(!retryAfter.isEmpty && retryAfter.allSatisfy { $0 >= 1 })
            // One bucket, the tenant's, and it is spent.
            let tokens = try await engine.runtime.client.query(
                "SELECT tokens FROM notify.tenant_request_buckets WHERE tenant_id = 'acme'",
                logger: engine.runtime.logger
            ).collect().map { try $0.decode(Double.self) }
            #expect(tokens.count == 1 && tokens[0] < 1)
        }
    }

    @Test func anEmptyBucketRefillsAtTheTenantsRate() async throws {
        try await Engine.with { engine in
            _ = try await engine.tenant("acme", seed: false)
            let limiter = SharedRequestLimiter(client: engine.runtime.client, logger: engine.runtime.logger)
            var denied: Int?
            for _ in 0..<100 where denied == nil { denied = await limiter.take("acme", perSecond: 20) }
            #expect(denied == 1, "the burst of 40 is spent within 100 requests")
            // Half a second at 20 a second refills ten.
            try await Task.sleep(for: .milliseconds(500))
            let started = ContinuousClock.now
            var admitted = 0
            for _ in 0..<30 where await limiter.take("acme", perSecond: 20) == nil { admitted += 1 }
            let elapsed = ContinuousClock.now - started
            let refilled = Int(RequestRateLimiter.seconds(elapsed) * 20)
            #expect(admitted >= 10 && admitted <= 12 + refilled, "admitted \(admitted) in \(elapsed)")
        }
    }

    @Test func concurrentRequestsTakeOneAllowanceAtATime() async throws {
        try await Engine.with { engine in
            _ = try await engine.tenant("acme", seed: false)
            let limiter = SharedRequestLimiter(client: engine.runtime.client, logger: engine.runtime.logger)
            let admitted = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<200 { group.addTask { await limiter.take("acme", perSecond: 50) == nil } }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            // A burst of 100, plus what refilled while the 200 ran.
            #expect(admitted >= 100 && admitted <= 115, "admitted \(admitted)")
        }
    }

    /// A request cancelled while its tenant's allowance is spent returns, rather than asking for
    /// an allowance again and again.
    @Test(.timeLimit(.minutes(1))) func aCancelledRequestReturns() async throws {
        try await Engine.with { engine in
            _ = try await engine.tenant("acme", seed: false)
            let limiter = SharedRequestLimiter(client: engine.runtime.client, logger: engine.runtime.logger)
            let request = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return await limiter.take("acme", perSecond: 1)
            }
            #expect(await request.value == 1)
            // The limiter still serves the requests that stay.
            #expect(await limiter.take("acme", perSecond: 1) == nil)
        }
    }

    /// A bucket that cannot be read (here: the tenant does not exist, so its row cannot be
    /// written) leaves the process limiting on its own, at the same rate and burst.
    /// A tenant whose rate is lowered is held to the new rate at once, whatever this process had
    /// taken at the old one.
    @Test func aLoweredRateHoldsAtOnce() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try await engine.runtime.client.query(
                "UPDATE notify.tenants SET requests_per_second = 2 WHERE id = 'acme'", logger: engine.runtime.logger)
            var statuses: [Int] = []
            for _ in 0..<8 { statuses.append(try await engine.get("/v1/categories", acme).status) }
            // The seed's requests took an allowance of 20 at the default rate of 200.
            #expect(statuses.filter { $0 == 200 }.count <= 5, "\(statuses)")
            #expect(statuses.contains(429))
        }
    }

    @Test func anUnreadableBucketFallsBackToThisProcesssOwnLimit() async throws {
        try await Engine.with { engine in
            let limiter = SharedRequestLimiter(client: engine.runtime.client, logger: engine.runtime.logger)
            var admitted = 0
            for _ in 0..<10 where await limiter.take("ghost", perSecond: 2) == nil { admitted += 1 }
            #expect(admitted == 4)
            let rows = try await engine.runtime.count("SELECT count(*) FROM notify.tenant_request_buckets")
            #expect(rows == 0)
        }
    }
}
