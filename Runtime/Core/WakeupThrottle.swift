import NotifyFunctionKit
import Synchronization

/// Limits `pg_notify` to at most one per queue and lane per interval in this process.
///
/// NOTIFY takes a database-wide lock at commit, so a notify per insert caps the whole database at
/// a few hundred commits a second. A notification is only a hint that work exists, so one per
/// short interval is enough: the first enqueue notifies at once; enqueues inside the interval
/// schedule one trailing notification at its end, so a worker never misses work for longer
/// than the interval. The critical lane is never throttled: a one-time passcode always rings.
final class WakeupThrottle: Sendable {
    struct Key: Hashable, Sendable {
        let queue: String
        let lane: Lane
    }

    private struct Entry {
        var lastSent: ContinuousClock.Instant
        var trailingScheduled: Bool
    }

    private let interval: Duration
    private let entries = Mutex<[Key: Entry]>([:])

    init(interval: Duration) { self.interval = interval }

    /// Splits `keys` into queues to notify now and keys whose trailing notification the caller must
    /// schedule after `delay`.
    func decide(_ keys: Set<Key>, now: ContinuousClock.Instant = .now) -> (now: [String], trailing: [(Key, Duration)]) {
        var notifyNow = Set<String>()
        var trailing: [(Key, Duration)] = []
        entries.withLock { entries in
            for key in keys {
                if key.lane == .critical || interval == .zero {
                    notifyNow.insert(key.queue)
                    continue
                }
                if let entry = entries[key], now < entry.lastSent + interval {
                    if !entry.trailingScheduled {
                        entries[key]?.trailingScheduled = true
                        trailing.append((key, entry.lastSent + interval - now))
                    }
                } else {
                    entries[key] = Entry(lastSent: now, trailingScheduled: false)
                    notifyNow.insert(key.queue)
                }
            }
        }
        return (Array(notifyNow), trailing)
    }

    /// Records that a trailing notification for `key` was sent.
    func trailingSent(_ key: Key, at now: ContinuousClock.Instant = .now) {
        entries.withLock { $0[key] = Entry(lastSent: now, trailingScheduled: false) }
    }
}
