import NotifyDelivery
import NotifyProviders
import Testing

/// The order in which a route's accounts are tried.
@Suite("route planner")
struct RoutePlannerTests {
    /// A generator that counts its draws and answers from a fixed sequence.
    struct CountingGenerator: RandomNumberGenerator {
        var values: [UInt64]
        var draws = 0

        mutating func next() -> UInt64 {
            defer { draws += 1 }
            return values[draws % values.count]
        }
    }

    @Test("an ordered list is tried by position and costs no random draw")
    func orderedListDrawsNothing() {
        let candidates = [
            RouteCandidate(accountID: "vonage-main", kind: .vonage, position: 2),
            RouteCandidate(accountID: "twilio-main", kind: .twilio, position: 0),
            RouteCandidate(accountID: "twilio-backup", kind: .twilio, position: 1),
        ]
        var generator = CountingGenerator(values: [1])
        let ordered = RoutePlanner.order(candidates, using: &generator)
        #expect(ordered.map(\.accountID) == ["twilio-main", "twilio-backup", "vonage-main"])
        #expect(generator.draws == 0)
        #expect(RoutePlanner.order([candidates[0]], using: &generator).map(\.accountID) == ["vonage-main"])
        #expect(RoutePlanner.order([], using: &generator).isEmpty)
        #expect(generator.draws == 0)
    }

    @Test("accounts sharing a position are drawn by weight, after the positions before them")
    func sharedPositionIsDrawnByWeight() {
        let candidates = [
            RouteCandidate(accountID: "b", kind: .twilio, position: 1, weight: 30),
            RouteCandidate(accountID: "fallback", kind: .vonage, position: 5),
            RouteCandidate(accountID: "a", kind: .twilio, position: 1, weight: 70),
            RouteCandidate(accountID: "first", kind: .twilio, position: 0),
        ]
        // The smallest draw of 100 falls to the first account by id ("a", weight 70); the largest,
        // among the last 30 of the range, to "b".
        var low = CountingGenerator(values: [1])
        #expect(RoutePlanner.order(candidates, using: &low).map(\.accountID) == ["first", "a", "b", "fallback"])
        var high = CountingGenerator(values: [UInt64.max])
        #expect(RoutePlanner.order(candidates, using: &high).map(\.accountID) == ["first", "b", "a", "fallback"])
        #expect(high.draws > 0)

        var system = SystemRandomNumberGenerator()
        var firstPicks = ["a": 0, "b": 0]
        for _ in 0..<2000 {
            let ordered = RoutePlanner.order(candidates, using: &system)
            #expect(ordered.first?.accountID == "first" && ordered.last?.accountID == "fallback")
            firstPicks[ordered[1].accountID, default: 0] += 1
        }
        // 70 % of 2,000 is 1,400; four standard deviations (about 20 each) either side.
        #expect((1320...1480).contains(firstPicks["a"] ?? 0), "a was drawn first \(firstPicks) times")
    }
}
