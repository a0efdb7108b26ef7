import Foundation
import NotifyModel
import Testing

/// Where collecting into a digest sits among the preference rules.
@Suite struct DigestDecisionTests {
    let evaluator = PreferenceEvaluator()
    /// 23:30 in Berlin, inside the quiet hours below.
    let night = PreferenceTestTime.instant("2026-06-01T21:30:00Z")
    let noon = PreferenceTestTime.instant("2026-06-01T10:00:00Z")
    let quietHours = QuietHours(start: "22:00", end: "07:00", timeZone: "Europe/Berlin")

    func facts(_ mode: DigestMode?, channel: Channel = .sms, critical: Bool = false) -> PreferenceFacts {
        PreferenceFacts(
            channel: channel, categoryKey: "activity", categoryKind: .transactional, critical: critical,
            capAction: mode == .overCap ? .digest : .defer, digestMode: mode)
    }

    @Test func alwaysCollectsWhatPassesTheFilters() {
        #expect(evaluator.decide(facts(.always), now: noon) == .collect)
        // Collecting happens before quiet hours: the release is what quiet hours hold.
        var quiet = facts(.always)
        quiet.quietHours = quietHours
        #expect(evaluator.decide(quiet, now: night) == .collect)
    }

    @Test func optOutsSuppressionsAndMissingAddressesStillDrop() {
        var optedOut = facts(.always)
        optedOut.optedIn = false
        #expect(evaluator.decide(optedOut, now: noon) == .drop(.optedOut))
        var suppressed = facts(.always)
        suppressed.suppressed = true
        #expect(evaluator.decide(suppressed, now: noon) == .drop(.suppressed))
        var unreachable = facts(.always)
        unreachable.hasAddress = false
        #expect(evaluator.decide(unreachable, now: noon) == .drop(.noAddress))
    }

    @Test func overCapCollectsOnlyOverTheCap() {
        var under = facts(.overCap)
        under.frequencyCap = FrequencyCap(limit: 3, windowSeconds: 3600)
        under.sentInWindow = 2
        #expect(evaluator.decide(under, now: noon) == .send)
        var over = under
        over.sentInWindow = 3
        #expect(evaluator.decide(over, now: noon) == .collect)
    }

    @Test func aReleasedDigestIsNeitherCollectedNorCappedButWaitsOutQuietHours() {
        var release = facts(.always)
        release.isDigestRelease = true
        release.frequencyCap = FrequencyCap(limit: 1, windowSeconds: 3600)
        release.sentInWindow = 5
        #expect(evaluator.decide(release, now: noon) == .send)
        release.quietHours = quietHours
        #expect(
            evaluator.decide(release, now: night)
                == .deferUntil(PreferenceTestTime.instant("2026-06-02T05:00:00Z"), reason: "quiet_hours"))
        var critical = facts(.always, critical: true)
        critical.isDigestRelease = true
        critical.quietHours = quietHours
        #expect(evaluator.decide(critical, now: night) == .send)
    }
}
