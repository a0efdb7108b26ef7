import Foundation

/// How `campaign-release` spreads a campaign's recipients over time: `perTick` recipients every
/// `interval`.
///
/// A campaign with a rate of `r` recipients per second releases `perTick` every `perTick / r`
/// seconds, with ticks a quarter second apart at most (a tenth of a second at high rates), or one
/// recipient per tick below four per second. Without a rate, ticks of 5,000 follow each other at
/// once. A tick that runs late is not made up for by a burst: the schedule restarts from now.
///
/// Whatever the rate, a campaign never runs far ahead of its pipeline: a tick releases only as many
/// recipients as keep at most ``maximumBacklog`` of its deliveries waiting for `preference-filter`
/// (``allowance(waiting:channels:)``), and a pacer with no room looks again after
/// ``backlogRecheck``. Later stages' jobs are claimed in the order they were queued, so without this
/// limit a large campaign would queue all its filtering ahead of its first render, and its first
/// messages would leave only once every recipient had been filtered.
public struct CampaignPacing: Sendable, Hashable {
    /// Recipients released per tick.
    public let perTick: Int
    /// Time between ticks.
    public let interval: Duration

    /// The most recipients a campaign may be given per second.
    public static let maximumRate = 100_000
    /// Recipients per tick when the campaign has no rate.
    public static let unlimitedTick = 5_000

    /// The most deliveries of one campaign that may wait for `preference-filter` at once.
    public static let maximumBacklog = 10_000
    /// How soon a pacer held back by its backlog looks again.
    public static let backlogRecheck: Duration = .milliseconds(100)

    /// The pacing for `rate` recipients per second (`nil`: as fast as the pipeline takes them).
    public init(rate: Int?) {
        guard let rate, rate > 0 else {
            perTick = Self.unlimitedTick
            interval = .zero
            return
        }
        // Aim for ticks of at most a quarter second (a tenth at high rates, so one tick stays
        // near a thousand recipients), then fit the interval to a whole number per tick so the
        // rate is exact: 3/s is one every 333 ms, 100/s is 25 every 250 ms.
        let target = min(0.25, max(0.1, 250.0 / Double(rate)))
        perTick = max(1, Int((Double(rate) * target).rounded()))
        interval = .nanoseconds(Int64((Double(perTick) / Double(rate) * 1e9).rounded()))
    }

    /// When the tick after one due at `due` should run, given that it is now `now`: one interval
    /// later, or now if the pacer fell more than two intervals behind.
    public func nextDue(after due: Date, now: Date) -> Date {
        let step = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        let next = due.addingTimeInterval(step)
        return next < now.addingTimeInterval(-2 * step) ? now : next
    }

    /// How many recipients a tick may release when `waiting` of the campaign's deliveries still
    /// wait for `preference-filter` and each recipient makes one delivery per channel: at most
    /// ``perTick``, and none once the backlog is full.
    public func allowance(waiting: Int, channels: Int) -> Int {
        let room = Self.maximumBacklog - max(0, waiting)
        guard room > 0 else { return 0 }
        return min(perTick, max(1, room / max(1, channels)))
    }
}
