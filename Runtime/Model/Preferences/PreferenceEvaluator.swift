import Foundation

/// The pure core of the preference filter: decides whether a delivery is sent, held or dropped.
///
/// Checks, in order (the first that applies decides):
/// 1. no address or device for the channel → `drop(no_address)` (never for `inapp`);
/// 2. the address is suppressed → `drop(suppressed)`;
/// 3. the user opted out of the category on the channel → `drop(opted_out)`;
/// 4. the category has a digest in `always` mode → `collect`;
/// 5. the frequency cap is reached (`sentInWindow >= limit`) → `drop(frequency_capped)`,
///    `deferUntil(oldest send + window, "frequency_cap")` or `collect`, per the category's cap
///    action;
/// 6. `now` is inside the user's quiet hours → `deferUntil(end of window, "quiet_hours")`;
/// 7. otherwise `send`.
///
/// A released digest skips checks 4–5 (it is the answer to them) but not quiet hours. A critical
/// category with an `always` digest still collects (the tenant asked for it); its release then
/// bypasses quiet hours like any critical message.
///
/// Critical transactional categories (passcodes, security alerts) skip checks 3, 5 and 6: a user
/// must get their login code even after opting out, at night, or after many codes. They never skip
/// 1–2, since a missing or suppressed address cannot (or must not, after a bounce or complaint)
/// be sent to. In-app messages are silent, so quiet hours never hold them.
public struct PreferenceEvaluator: Sendable {
    /// Creates an evaluator.
    public init() {}

    /// Decides for one delivery at `now`. Reads no clock.
    public func decide(_ facts: PreferenceFacts, now: Date) -> PreferenceDecision {
        if !facts.hasAddress && facts.channel != .inapp {
            return .drop(.noAddress)
        }
        if facts.suppressed {
            return .drop(.suppressed)
        }
        let bypass = facts.bypassesUserLimits
        if facts.optedIn == false && !bypass {
            return .drop(.optedOut)
        }
        if facts.digestMode == .always, !facts.isDigestRelease {
            return .collect
        }
        if let cap = facts.frequencyCap, facts.sentInWindow >= cap.limit, !bypass, !facts.isDigestRelease {
            switch facts.capAction {
            case .drop:
                return .drop(.frequencyCapped)
            case .digest:
                return .collect
            case .defer:
                return .deferUntil(
                    capRelease(cap, facts: facts, now: now), reason: PreferenceDecision.frequencyCapReason)
            }
        }
        if facts.channel != .inapp, !bypass, let release = facts.quietHours?.releaseTime(at: now) {
            return .deferUntil(release, reason: PreferenceDecision.quietHoursReason)
        }
        return .send
    }

    /// When the oldest send in the window leaves it. Without a time for it, a whole window from
    /// now; never earlier than `now`. The filter decides again then, so a cap that is still
    /// reached (more sends than the limit) defers again.
    private func capRelease(_ cap: FrequencyCap, facts: PreferenceFacts, now: Date) -> Date {
        let window = TimeInterval(cap.windowSeconds)
        guard let oldest = facts.oldestSentInWindow else {
            return now.addingTimeInterval(window)
        }
        return max(oldest.addingTimeInterval(window), now)
    }
}
