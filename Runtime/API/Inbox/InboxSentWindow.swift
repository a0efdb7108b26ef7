/// What one live inbox stream sent of one ordered series (new items by id, or changes by change
/// number) above its floor, so that a number committed out of order is still sent.
///
/// Numbers come from sequences, taken when a row is written, but become visible when its
/// transaction commits: item 100 may commit after item 101, which the stream has already sent. A
/// cursor at 101 would skip 100 for good. So the stream keeps a floor, at or below which everything
/// was sent (or came before the stream), reads everything above it that it has not sent yet, and
/// raises the floor past a number only ``InboxStreamCursor/settleTime`` after sending it: any lower
/// number was taken before that one, and its transaction has committed (or rolled back) since,
/// unless it stayed open all that time.
struct InboxSentWindow: Sendable {
    /// Everything at or below it was sent, or came before the stream opened.
    private(set) var floor: Int64
    /// The numbers sent above the floor, in the order they were sent.
    private var sent: [(number: Int64, at: ContinuousClock.Instant)] = []

    init(floor: Int64) {
        self.floor = floor
    }

    /// The numbers above the floor already sent, which the next read leaves out.
    var sentAboveFloor: [Int64] { sent.map(\.number) }

    /// Remembers that `number` was sent at `instant`.
    mutating func record(_ number: Int64, at instant: ContinuousClock.Instant) {
        sent.append((number, instant))
    }

    /// Raises the floor past the numbers sent at least `settleTime` before `now`, and past the
    /// oldest ones while more than `limit` are remembered; forgets the numbers it passed.
    mutating func settle(now: ContinuousClock.Instant, settleTime: Duration, limit: Int) {
        var settled = 0
        while settled < sent.count && (now - sent[settled].at >= settleTime || sent.count - settled > limit) {
            floor = max(floor, sent[settled].number)
            settled += 1
        }
        guard settled > 0 else { return }
        let floor = self.floor
        sent.removeFirst(settled)
        sent.removeAll { $0.number <= floor }
    }
}
