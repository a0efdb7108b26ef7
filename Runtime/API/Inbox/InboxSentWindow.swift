/// What one live inbox stream sent of one ordered series (new items by id, or changes by change
/// number) above its floor, so that a number committed out of order is still sent.
///
/// Numbers come from sequences, taken when a row is written, but become visible when its
/// transaction commits: item 100 may commit after item 101, which the stream has already sent. A
/// cursor at 101 would skip 100 for good. So the stream keeps a floor, at or below which everything
/// was sent (or came before the stream), reads everything above it that it has not sent yet, and
/// raises the floor past a number only once every transaction that may have been running when it
/// was read has ended (``TransactionHorizon``): a lower number belongs to such a transaction, and
/// is then either committed and read, or rolled back. ``Rules`` bound the wait.
struct InboxSentWindow: Sendable {
    /// How long numbers are kept above the floor.
    struct Rules: Sendable {
        /// The least time a number stays above the floor even when the horizon has passed. A
        /// transaction takes its number a moment before its transaction id, and this covers that
        /// moment.
        var settleTime: Duration
        /// The most: past it, a number settles even if a transaction from its read is still open.
        var longest: Duration
        /// The most numbers remembered; past it, the oldest settle early.
        var limit: Int
    }

    /// Everything at or below it was sent, or came before the stream opened.
    private(set) var floor: Int64
    /// The numbers sent above the floor, in the order they were sent, with the horizon of the read
    /// that found them.
    private var sent: [(number: Int64, at: ContinuousClock.Instant, readAt: TransactionHorizon)] = []

    init(floor: Int64) {
        self.floor = floor
    }

    /// The numbers above the floor already sent, which the next read leaves out.
    var sentAboveFloor: [Int64] { sent.map(\.number) }

    /// Remembers that `number` was sent at `instant`, found by a read made after `horizon` was taken.
    mutating func record(_ number: Int64, at instant: ContinuousClock.Instant, readAfter horizon: TransactionHorizon) {
        sent.append((number, instant, horizon))
    }

    /// Raises the floor past the numbers whose reads' transactions have all ended by `horizon`
    /// (taken before the latest read, so that what they committed was read) and that were sent at
    /// least `settleTime` before `now`; past the numbers sent `longest` ago; and past the oldest
    /// while more than `limit` are remembered. Forgets the numbers it passed.
    mutating func settle(now: ContinuousClock.Instant, horizon: TransactionHorizon, rules: Rules) {
        var settled = 0
        while settled < sent.count {
            let entry = sent[settled]
            let age = now - entry.at
            let ended = age >= rules.settleTime && horizon.hasPassed(entry.readAt)
            guard ended || age >= rules.longest || sent.count - settled > rules.limit else { break }
            floor = max(floor, entry.number)
            settled += 1
        }
        guard settled > 0 else { return }
        let floor = self.floor
        sent.removeFirst(settled)
        sent.removeAll { $0.number <= floor }
    }
}
