import Foundation
import NotifyModel
import Testing

@Suite struct PreferenceEvaluatorTests {
    let evaluator = PreferenceEvaluator()
    /// 23:30 in Berlin, inside the quiet hours below.
    let night = PreferenceTestTime.instant("2026-06-01T21:30:00Z")
    /// 12:00 in Berlin, outside them.
    let noon = PreferenceTestTime.instant("2026-06-01T10:00:00Z")
    let quietHours = QuietHours(start: "22:00", end: "07:00", timeZone: "Europe/Berlin")
    let morning = PreferenceTestTime.instant("2026-06-02T05:00:00Z")
    let cap = FrequencyCap(limit: 3, windowSeconds: 3600)

    func facts(
        _ channel: Channel = .email, kind: CategoryKind = .marketing, critical: Bool = false
    ) -> PreferenceFacts {
        PreferenceFacts(channel: channel, categoryKey: "news", categoryKind: kind, critical: critical)
    }

    @Test func sendsByDefault() {
        #expect(evaluator.decide(facts(), now: noon) == .send)
    }

    @Test func dropsWithoutAnAddress() {
        var facts = facts(.sms)
        facts.hasAddress = false
        #expect(evaluator.decide(facts, now: noon) == .drop(.noAddress))
    }

    @Test func inappAlwaysHasAnAddress() {
        var facts = facts(.inapp)
        facts.hasAddress = false
        #expect(evaluator.decide(facts, now: noon) == .send)
    }

    @Test func dropsSuppressedAddresses() {
        var facts = facts()
        facts.suppressed = true
        facts.optedIn = false
        #expect(evaluator.decide(facts, now: noon) == .drop(.suppressed))
    }

    @Test(arguments: [(Bool?.none, PreferenceDecision.send), (true, .send), (false, .drop(.optedOut))])
    func honoursTheUsersChoice(_ optedIn: Bool?, _ expected: PreferenceDecision) {
        var facts = facts()
        facts.optedIn = optedIn
        #expect(evaluator.decide(facts, now: noon) == expected)
    }

    @Test func aMissingAddressWinsOverSuppression() {
        var facts = facts()
        facts.hasAddress = false
        facts.suppressed = true
        #expect(evaluator.decide(facts, now: noon) == .drop(.noAddress))
    }

    @Test(arguments: [(2, PreferenceDecision.send), (3, .drop(.frequencyCapped)), (5, .drop(.frequencyCapped))])
    func dropsAtTheCap(_ sent: Int, _ expected: PreferenceDecision) {
        var facts = facts()
        facts.frequencyCap = cap
        facts.capAction = .drop
        facts.sentInWindow = sent
        facts.oldestSentInWindow = noon.addingTimeInterval(-600)
        #expect(evaluator.decide(facts, now: noon) == expected)
    }

    @Test func defersAtTheCapUntilTheOldestSendLeavesTheWindow() {
        var facts = facts()
        facts.frequencyCap = cap
        facts.capAction = .defer
        facts.sentInWindow = 3
        facts.oldestSentInWindow = noon.addingTimeInterval(-600)
        #expect(
            evaluator.decide(facts, now: noon)
                == .deferUntil(noon.addingTimeInterval(3000), reason: PreferenceDecision.frequencyCapReason))
    }

    @Test func defersAWholeWindowWhenTheOldestSendIsUnknown() {
        var facts = facts()
        facts.frequencyCap = cap
        facts.sentInWindow = 3
        #expect(
            evaluator.decide(facts, now: noon) == .deferUntil(noon.addingTimeInterval(3600), reason: "frequency_cap"))
    }

    @Test func anOptOutWinsOverTheCap() {
        var facts = facts()
        facts.optedIn = false
        facts.frequencyCap = cap
        facts.sentInWindow = 10
        #expect(evaluator.decide(facts, now: noon) == .drop(.optedOut))
    }

    @Test(arguments: [Channel.email, .sms, .push, .webhook])
    func defersInsideQuietHours(_ channel: Channel) {
        var facts = facts(channel)
        facts.quietHours = quietHours
        #expect(
            evaluator.decide(facts, now: night) == .deferUntil(morning, reason: PreferenceDecision.quietHoursReason))
        #expect(evaluator.decide(facts, now: noon) == .send)
    }

    @Test func inappIsNeverHeldForQuietHours() {
        var facts = facts(.inapp)
        facts.quietHours = quietHours
        #expect(evaluator.decide(facts, now: night) == .send)
    }

    @Test func theCapDecidesBeforeQuietHours() {
        var facts = facts()
        facts.quietHours = quietHours
        facts.frequencyCap = cap
        facts.capAction = .drop
        facts.sentInWindow = 3
        #expect(evaluator.decide(facts, now: night) == .drop(.frequencyCapped))
    }

    // MARK: Critical categories

    func criticalFacts(_ channel: Channel = .sms) -> PreferenceFacts {
        var facts = facts(channel, kind: .transactional, critical: true)
        facts.optedIn = false
        facts.quietHours = quietHours
        facts.frequencyCap = cap
        facts.capAction = .drop
        facts.sentInWindow = 99
        return facts
    }

    @Test func criticalTransactionalBypassesOptOutCapAndQuietHours() {
        #expect(evaluator.decide(criticalFacts(), now: night) == .send)
    }

    @Test func criticalDoesNotBypassSuppression() {
        var facts = criticalFacts()
        facts.suppressed = true
        #expect(evaluator.decide(facts, now: night) == .drop(.suppressed))
    }

    @Test func criticalDoesNotBypassAMissingAddress() {
        var facts = criticalFacts()
        facts.hasAddress = false
        #expect(evaluator.decide(facts, now: night) == .drop(.noAddress))
    }

    @Test func aCriticalMarketingCategoryGetsNoBypass() {
        var facts = criticalFacts()
        facts.categoryKind = .marketing
        #expect(facts.bypassesUserLimits == false)
        #expect(evaluator.decide(facts, now: night) == .drop(.optedOut))
    }

    @Test func nonCriticalTransactionalHonoursOptOut() {
        var facts = criticalFacts()
        facts.critical = false
        #expect(evaluator.decide(facts, now: night) == .drop(.optedOut))
    }
}
