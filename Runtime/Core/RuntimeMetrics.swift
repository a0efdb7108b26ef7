import Metrics
import Synchronization

/// The runtime's metrics, labelled by function only (low cardinality).
///
/// Names: `notify_jobs_claimed_total`, `notify_jobs_completed_total`, `notify_jobs_retried_total`,
/// `notify_jobs_snoozed_total`, `notify_jobs_failed_total` (permanent failures),
/// `notify_jobs_dead_total`, `notify_jobs_stale_total` (lease lost, output discarded),
/// `notify_jobs_inlined_total` (invocations run inside a predecessor's job, see ``Worker``),
/// `notify_job_run_seconds` and `notify_claim_seconds` (timers), `notify_jobs_in_flight` (gauge),
/// plus the per-queue gauges of ``QueueStatsCollector``.
final class RuntimeMetrics: Sendable {
    final class PerFunction: Sendable {
        let claimed: Counter
        let completed: Counter
        let retried: Counter
        let snoozed: Counter
        let failed: Counter
        let dead: Counter
        let stale: Counter
        let inlined: Counter
        let runDuration: Timer

        init(function: String) {
            let dimensions = [("function", function)]
            claimed = Counter(label: "notify_jobs_claimed_total", dimensions: dimensions)
            completed = Counter(label: "notify_jobs_completed_total", dimensions: dimensions)
            retried = Counter(label: "notify_jobs_retried_total", dimensions: dimensions)
            snoozed = Counter(label: "notify_jobs_snoozed_total", dimensions: dimensions)
            failed = Counter(label: "notify_jobs_failed_total", dimensions: dimensions)
            dead = Counter(label: "notify_jobs_dead_total", dimensions: dimensions)
            stale = Counter(label: "notify_jobs_stale_total", dimensions: dimensions)
            inlined = Counter(label: "notify_jobs_inlined_total", dimensions: dimensions)
            runDuration = Timer(label: "notify_job_run_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        }
    }

    private let functions: Mutex<[String: PerFunction]>
    let claimDuration = Timer(label: "notify_claim_seconds", preferredDisplayUnit: .seconds)
    let inFlight = Gauge(label: "notify_jobs_in_flight")

    init(functions names: [String]) {
        var table: [String: PerFunction] = [:]
        for name in names { table[name] = PerFunction(function: name) }
        self.functions = Mutex(table)
    }

    /// The metrics of one function, created on first use.
    func function(_ name: String) -> PerFunction {
        functions.withLock { table in
            if let existing = table[name] { return existing }
            let created = PerFunction(function: name)
            table[name] = created
            return created
        }
    }
}

extension Timer {
    /// Records the time elapsed since `start`.
    func record(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
