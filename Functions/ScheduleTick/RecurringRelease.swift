import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// The tick's release of recurring schedules (`notify.schedules`).
///
/// It reads the schedules due at the clock's time, computes their occurrences in Swift
/// (``NotifyModel/ScheduleClock``), and returns one statement per schedule that, in the tick's
/// fenced transaction, calls `notify.release_schedule`: it advances `next_run_at` (only if it is
/// still the value read, and the schedule is not paused) and calls `notify.send` once per
/// occurrence with the idempotency key `schedule:<id>:<occurrence>`. A send that fails pauses that
/// schedule with the error (`last_error`) instead of failing the tick. A leader that dies mid-tick commits nothing; the next leader
/// reads the same `next_run_at` and releases the same occurrences, and the key makes a second
/// release of an occurrence return the first notification instead of a new one.
///
/// **Missed occurrences.** An occurrence released late by up to ``grace`` (a leader change, a
/// slow tick) is sent as usual. Older ones were missed (an outage): with `run_once` one
/// notification is sent for them (keyed by the first missed occurrence), with `skip` none; the
/// schedule then continues with the occurrences inside the grace window and the future ones.
enum RecurringRelease {
    /// How late an occurrence may be released and still count as on time.
    static let grace: TimeInterval = 300
    /// Schedules released per tick; the rest wait for the next tick.
    static let schedulesPerTick = 200
    /// Occurrences of one schedule released per tick (a per-second cron catching up after a
    /// leader change releases the rest on the following ticks).
    static let occurrencesPerTick = 100

    struct Due: Sendable {
        var tenantID: String
        var id: String
        var cron: String
        var timezone: String
        var missedPolicy: String
        var nextRunAt: Date
    }

    /// The statements of this tick.
    static func writes(context: FunctionContext) async throws -> [PostgresQuery] {
        let now = context.clock.now()
        let rows = try await context.database.query(
            """
            SELECT tenant_id, id, cron, timezone, missed_policy, next_run_at FROM notify.schedules
            WHERE NOT paused AND next_run_at <= \(now)
            ORDER BY next_run_at, tenant_id, id LIMIT \(schedulesPerTick)
            """, logger: context.logger)
        var writes: [PostgresQuery] = []
        for row in rows {
            let (tenantID, id, cron, timezone, policy, nextRunAt) = try row.decode(
                (String, String, String, String, String, Date).self)
            let due = Due(
                tenantID: tenantID, id: id, cron: cron, timezone: timezone, missedPolicy: policy, nextRunAt: nextRunAt)
            writes.append(statement(for: due, now: now, logger: context.logger))
        }
        return writes
    }

    /// The occurrences of one schedule to release now, and its next release instant.
    static func plan(_ due: Due, clock: ScheduleClock, now: Date) -> (keys: [String], locals: [String], next: Date?) {
        var keys: [String] = []
        var locals: [String] = []
        func add(_ release: Date) {
            keys.append(clock.key(released: release))
            locals.append(clock.localTime(released: release)?.description ?? "")
        }
        var release: Date? = due.nextRunAt
        if now.timeIntervalSince(due.nextRunAt) > grace {
            if due.missedPolicy == "run_once" { add(due.nextRunAt) }
            // Occurrences are whole seconds: this keeps one exactly `grace` late on time.
            release = clock.nextRelease(after: now.addingTimeInterval(-grace - 0.5))
        }
        while let current = release, current <= now, keys.count < occurrencesPerTick {
            add(current)
            release = clock.nextRelease(after: current)
        }
        return (keys, locals, release)
    }

    static func statement(for due: Due, now: Date, logger: Logger) -> PostgresQuery {
        let clock: ScheduleClock
        do {
            clock = ScheduleClock(cron: try CronExpression(due.cron), zone: try ScheduleZone(parsing: due.timezone))
        } catch {
            // The API checks both; a row edited by hand that no longer parses is paused, not the tick.
            logger.warning("schedule cannot be read; pausing it", metadata: ["schedule": "\(due.id)"])
            let reason = "\(error); fix the cron or timezone with PATCH /v1/schedules/\(due.id) and resume it"
            return """
                UPDATE notify.schedules SET paused = true, last_error = \(reason), updated_at = now()
                WHERE tenant_id = \(due.tenantID) AND id = \(due.id) AND next_run_at = \(due.nextRunAt)
                """
        }
        let (keys, locals, next) = plan(due, clock: clock, now: now)
        return """
            SELECT notify.release_schedule(\(due.tenantID), \(due.id), \(due.nextRunAt), \(next), \(keys)::text[],
                                           \(locals)::text[])
            """
    }
}
