import Foundation

extension CronExpression {
    /// How far ahead ``next(after:in:)`` looks: nine years covers every February 29.
    static let searchDays = 9 * 366

    /// The first occurrence strictly after `instant`, in `zone`, or nil when none comes within
    /// nine years (an impossible date such as February 30).
    ///
    /// An occurrence is a wall-clock time; it becomes an instant by the zone's rules:
    /// - **Gap** (spring forward): a wall time the clocks skip runs at the first instant after the
    ///   gap, the moment of the jump. A daily 02:30 job on the spring-forward day of Europe/Berlin
    ///   runs once, at 03:00 CEST; several skipped times (02:00, 02:15, …) run once together.
    /// - **Overlap** (fall back): a wall time that occurs twice runs once, at its first occurrence.
    ///   A daily 01:30 job in America/New_York runs once, at 01:30 EDT. The exception is a job whose
    ///   hour field is `*` (it runs every hour): it runs at both occurrences, so `*/15 * * * *`
    ///   keeps firing every 15 minutes through the repeated hour, as in Vixie cron.
    /// - Offsets that are not whole hours (Asia/Kolkata, Australia/Adelaide) need nothing special.
    public func next(after instant: Date, in zone: TimeZone) -> Date? {
        let clock = ZonedWallClock(timeZone: zone)
        let (startDay, startSeconds) = clock.wallTime(of: instant)
        // A wall time W has instants W - offset for the offsets in force at W. Any W earlier than
        // `instant`'s own wall time by more than (its offset - the smallest offset within a day)
        // is therefore before `instant`: skip those. On most days that difference is 0.
        let offsets = [-86_400.0, 0, 86_400].map { zone.secondsFromGMT(for: instant.addingTimeInterval($0)) }
        let lead = zone.secondsFromGMT(for: instant) - offsets.min()! + 1
        let slack = offsets.max()! - offsets.min()! + 1
        let everyHour = hours.isStar
        var best: Date?
        // After a hit in a repeated hour, a later wall time can still come first, up to `slack` later.
        var stop = Int.max
        var jumps: [Int: Date] = [:]
        for dayNumber in (startDay - 1)...(startDay + Self.searchDays) where dayNumber * 86_400 <= stop {
            let day = CivilDay(number: dayNumber)
            guard matches(day) else { continue }
            let floor = Int(startSeconds.rounded(.down)) - lead - (dayNumber - startDay) * 86_400
            for hour in hours.values where hour * 3600 + 3599 >= floor {
                for minute in minutes.values where hour * 3600 + minute * 60 + 59 >= floor {
                    for second in seconds.values {
                        let wall = hour * 3600 + minute * 60 + second
                        guard wall >= floor else { continue }
                        let local = dayNumber * 86_400 + wall
                        if local > stop { return best }
                        let occurrences = clock.instants(day: dayNumber, secondsIntoDay: wall)
                        guard let first = occurrences.first else {
                            // In a gap: every skipped wall time of the day maps to the same jump.
                            let jump =
                                jumps[dayNumber] ?? clock.firstInstant(day: dayNumber, secondsIntoDay: wall)
                            jumps[dayNumber] = jump
                            if jump > instant { return min(best ?? jump, jump) }
                            continue
                        }
                        // First occurrences grow with the wall time: the first one after `instant` wins.
                        if first > instant { return min(best ?? first, first) }
                        if everyHour, let repeated = occurrences.dropFirst().first(where: { $0 > instant }),
                            best.map({ repeated < $0 }) ?? true
                        {
                            best = repeated
                            stop = local + slack
                        }
                    }
                }
            }
        }
        return best
    }

    /// The first occurrence strictly after `local` on a zone-less wall clock (for schedules that
    /// run in each recipient's own zone: the wall time is then released per recipient).
    public func next(after local: LocalDateTime) -> LocalDateTime? {
        next(after: local.asUTC, in: TimeZone(identifier: "UTC")!).map(LocalDateTime.init(utc:))
    }

    /// The next `count` occurrences after `instant` in `zone`.
    public func occurrences(after instant: Date, in zone: TimeZone, count: Int) -> [Date] {
        var result: [Date] = []
        var cursor = instant
        while result.count < count, let next = next(after: cursor, in: zone) {
            result.append(next)
            cursor = next
        }
        return result
    }
}
