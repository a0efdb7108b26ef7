import Testing

@testable import NotifyAPI

/// How a live inbox stream remembers what it sent, so that numbers committed out of order are
/// still sent and nothing is sent twice.
struct InboxSentWindowTests {
    let start = ContinuousClock.now

    @Test func theFloorRisesOnlyPastNumbersSentLongEnoughAgo() {
        var window = InboxSentWindow(floor: 100)
        window.record(102, at: start)
        window.record(101, at: start + .seconds(5))  // committed after 102
        window.settle(now: start + .seconds(29), settleTime: .seconds(30), limit: 1_000)
        #expect(window.floor == 100)
        #expect(window.sentAboveFloor == [102, 101])
        // 102 settles: 101, below it, was sent, so it is forgotten with it.
        window.settle(now: start + .seconds(30), settleTime: .seconds(30), limit: 1_000)
        #expect(window.floor == 102)
        #expect(window.sentAboveFloor.isEmpty)
    }

    @Test func aLowerNumberStillUnsentKeepsItsChanceUntilTheHigherOneSettles() {
        var window = InboxSentWindow(floor: 0)
        window.record(7, at: start)
        window.record(9, at: start + .seconds(10))
        window.settle(now: start + .seconds(31), settleTime: .seconds(30), limit: 1_000)
        // 8 is not sent: the floor stops at 7, so a read above it still finds 8 when it commits.
        #expect(window.floor == 7)
        #expect(window.sentAboveFloor == [9])
    }

    @Test func pastItsLimitTheOldestSettleEarly() {
        var window = InboxSentWindow(floor: 0)
        for number in 1...5 { window.record(Int64(number), at: start) }
        window.settle(now: start, settleTime: .seconds(30), limit: 3)
        #expect(window.floor == 2)
        #expect(window.sentAboveFloor == [3, 4, 5])
    }
}
