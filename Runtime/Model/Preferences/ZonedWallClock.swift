import Foundation

/// Converts between instants and wall-clock times of one time zone, DST-aware, with plain
/// arithmetic on "local seconds" (an instant shifted by the zone's offset, counted from
/// 1970-01-01T00:00 local).
struct ZonedWallClock {
    let timeZone: TimeZone

    /// The local day number (days since 1970-01-01 local) and the seconds into that day.
    func wallTime(of instant: Date) -> (day: Int, secondsIntoDay: Double) {
        let local = instant.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: instant))
        let day = Int((local / 86_400).rounded(.down))
        return (day, local - Double(day) * 86_400)
    }

    /// Every instant whose wall-clock time is `secondsIntoDay` on `day`, earliest first: one
    /// normally, two when clocks go back over that time, none when clocks jump over it.
    func instants(day: Int, secondsIntoDay: Int) -> [Date] {
        let local = Double(day) * 86_400 + Double(secondsIntoDay)
        // Offsets in force around that wall time; a day either side covers any transition.
        let offsets = Set(
            [-86_400.0, 0, 86_400].map { timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: local + $0)) })
        return offsets.compactMap { offset -> Date? in
            let instant = Date(timeIntervalSince1970: local - Double(offset))
            return timeZone.secondsFromGMT(for: instant) == offset ? instant : nil
        }.sorted()
    }

    /// The first instant at or after which the wall clock shows at least `secondsIntoDay` on `day`:
    /// the wall time itself (its first occurrence when it occurs twice), or, when clocks jump over
    /// it, the moment of the jump.
    func firstInstant(day: Int, secondsIntoDay: Int) -> Date {
        if let first = instants(day: day, secondsIntoDay: secondsIntoDay).first {
            return first
        }
        // A gap: before the jump the zone's offset is smaller. `local - after` is an instant before
        // the jump, `local - before` one after it; search for the jump between them.
        let local = Double(day) * 86_400 + Double(secondsIntoDay)
        let before = Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: local - 86_400)))
        let after = Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: local + 86_400)))
        var low = local - max(before, after)
        var high = local - min(before, after)
        let lowOffset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: low))
        while high - low > 1 {
            let middle = ((low + high) / 2).rounded(.down)
            if timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: middle)) == lowOffset {
                low = middle
            } else {
                high = middle
            }
        }
        return Date(timeIntervalSince1970: high)
    }
}
