import NotifyAPI
import Testing

/// The token buckets behind the tenant API's and the inbox's request limits.
struct RequestRateLimiterTests {
    let start = ContinuousClock.now

    @Test func aKeyGetsTwiceItsRateAtOnceThenWaits() {
        let limiter = RequestRateLimiter()
        for _ in 0..<4 { #expect(limiter.take("acme:1", perSecond: 2, now: start) == nil) }
        #expect(limiter.take("acme:1", perSecond: 2, now: start) == 1)
        // Another key has its own bucket.
        #expect(limiter.take("acme:2", perSecond: 2, now: start) == nil)
        // Half a second refills one token at 2 a second.
        #expect(limiter.take("acme:1", perSecond: 2, now: start + .milliseconds(500)) == nil)
        #expect(limiter.take("acme:1", perSecond: 2, now: start + .milliseconds(500)) == 1)
    }

    @Test func bucketsThatHaveRefilledAreDroppedOnceTooManyAreHeld() {
        let limiter = RequestRateLimiter(sweepAbove: 4)
        for user in 1...4 { #expect(limiter.take("acme:\(user)", perSecond: 10, now: start) == nil) }
        #expect(limiter.keyCount == 4)
        // A second later the four are full again, as if never used: the fifth key sweeps them.
        #expect(limiter.take("acme:5", perSecond: 10, now: start + .seconds(1)) == nil)
        #expect(limiter.keyCount == 1)
        // Buckets still refilling are kept, and still limit their keys.
        for _ in 0..<19 { _ = limiter.take("acme:5", perSecond: 10, now: start + .seconds(1)) }
        for user in 6...9 { _ = limiter.take("acme:\(user)", perSecond: 10, now: start + .seconds(1)) }
        #expect(limiter.keyCount == 5)
        #expect(limiter.take("acme:5", perSecond: 10, now: start + .seconds(1)) != nil)
    }

    @Test func aSweepJudgesEachBucketAtItsOwnKeysRate() {
        let limiter = RequestRateLimiter(sweepAbove: 1)
        // A tenant at 100 a second down to 10 of its 200 tokens.
        for _ in 0..<190 { #expect(limiter.take("fast", perSecond: 100, now: start) == nil) }
        // A key at 1 a second makes two keys: the sweep must not take the fast bucket for full.
        #expect(limiter.take("slow", perSecond: 1, now: start) == nil)
        for _ in 0..<10 { #expect(limiter.take("fast", perSecond: 100, now: start) == nil) }
        #expect(limiter.take("fast", perSecond: 100, now: start) != nil)
    }
}
