import Testing

@testable import WebhookIngestFunction

/// A status callback that outran its send looks again soon, then less often.
@Suite struct CallbackRecheckTests {
    @Test(arguments: [
        (0.0, 100), (0.2, 100), (0.8, 200), (2.0, 500), (4.0, 1000), (600.0, 1000),
    ])
    func recheckDelayGrowsWithTheWait(waited: Double, milliseconds: Int) {
        #expect(WebhookIngestFunction.recheckDelay(waited: waited) == .milliseconds(milliseconds))
    }

    @Test func aFreshCallbackLooksAgainBeforeAOneSecondFallbackIsDue() {
        // Five rechecks fit in the first second, so a "delivered" lands before such a fallback.
        var waited = 0.0
        var rechecks = 0
        while waited < 1 {
            let delay = WebhookIngestFunction.recheckDelay(waited: waited).components
            waited += Double(delay.seconds) + Double(delay.attoseconds) / 1e18
            rechecks += 1
        }
        #expect(rechecks >= 5)
    }
}
