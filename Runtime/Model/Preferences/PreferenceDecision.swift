import Foundation

/// What the preference filter decided for one delivery.
public enum PreferenceDecision: Sendable, Hashable {
    /// The `deferUntil` reason when the user's quiet hours hold the delivery.
    public static let quietHoursReason = "quiet_hours"
    /// The `deferUntil` reason when the user's frequency cap holds the delivery.
    public static let frequencyCapReason = "frequency_cap"

    /// Send now.
    case send
    /// Hold the delivery until the given instant, then decide again. `reason` is
    /// `quiet_hours` or `frequency_cap`.
    case deferUntil(Date, reason: String)
    /// Do not send; record the reason.
    case drop(DropReason)
    /// Do not send on its own: add it to the user's open digest for the category and channel.
    case collect
}
