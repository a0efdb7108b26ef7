import Testing

@testable import NotifyAPI

/// How a live inbox stream remembers what it sent, so that numbers committed out of order are
/// still sent and nothing is sent twice.
struct InboxSentWindowTests {
    let start = ContinuousClock.now
    let rules = InboxSentWindow.Rules(settleTime: .seconds(5), longest: .seconds(600), limit: 1_000)
    /// A read while transactions 90 to 99 may be running.
    let busy = TransactionHorizon(oldestRunning: 90, nextID: 100)
    /// Later, when every transaction up to 99 has ended.
    let allEnded = TransactionHorizon(oldestRunning: 100, nextID: 120)
    /// Later, while transaction 95 is still open.
    let oneStillOpen = TransactionHorizon(oldestRunning: 95, nextID: 130)

    @Test func theFloorRisesOnlyPastNumbersSentLongEnoughAgoOnceTheirReadsTransactionsEnded() {
        var window = InboxSentWindow(floor: 100)
        window.record(102, at: start, readAfter: busy)
        window.record(101, at: start + .seconds(1), readAfter: busy)  // committed after 102
        window.settle(now: start + .seconds(4), horizon: allEnded, rules: rules)
        #expect(window.floor == 100)
        #expect(window.sentAboveFloor == [102, 101])
        // 102 settles: 101, below it, was sent, so it is forgotten with it.
        window.settle(now: start + .seconds(5), horizon: allEnded, rules: rules)
        #expect(window.floor == 102)
        #expect(window.sentAboveFloor.isEmpty)
    }

    @Test func aTransactionStillOpenFromTheReadKeepsTheFloorUntilItEndsOrTheLongestWait() {
        var window = InboxSentWindow(floor: 0)
        window.record(7, at: start, readAfter: busy)
        // Transaction 95 may hold number 6: however long ago 7 was sent, the floor waits for it.
        window.settle(now: start + .seconds(60), horizon: oneStillOpen, rules: rules)
        #expect(window.floor == 0)
        #expect(window.sentAboveFloor == [7])
        window.settle(now: start + .seconds(61), horizon: allEnded, rules: rules)
        #expect(window.floor == 7)
        // But not for ever.
        window.record(9, at: start + .seconds(61), readAfter: TransactionHorizon(oldestRunning: 95, nextID: 125))
        window.settle(now: start + .seconds(660), horizon: oneStillOpen, rules: rules)
        #expect(window.floor == 7)
        window.settle(now: start + .seconds(661), horizon: oneStillOpen, rules: rules)
        #expect(window.floor == 9)
    }

    @Test func aLowerNumberStillUnsentKeepsItsChanceUntilTheHigherOneSettles() {
        var window = InboxSentWindow(floor: 0)
        window.record(7, at: start, readAfter: busy)
        window.record(9, at: start + .seconds(10), readAfter: busy)
        window.settle(now: start + .seconds(11), horizon: allEnded, rules: rules)
        // 8 is not sent: the floor stops at 7, so a read above it still finds 8 when it commits.
        #expect(window.floor == 7)
        #expect(window.sentAboveFloor == [9])
    }

    @Test func pastItsLimitTheOldestSettleEarly() {
        var window = InboxSentWindow(floor: 0)
        for number in 1...5 { window.record(Int64(number), at: start, readAfter: busy) }
        window.settle(
            now: start, horizon: busy, rules: .init(settleTime: .seconds(5), longest: .seconds(600), limit: 3))
        #expect(window.floor == 2)
        #expect(window.sentAboveFloor == [3, 4, 5])
    }
}
