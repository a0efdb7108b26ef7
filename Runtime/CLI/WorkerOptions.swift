import ArgumentParser
import NotifyFunctionKit
import NotifyRuntime

/// Worker settings shared by `work`, `dev` and `bench`; each flag falls back to an environment
/// variable, then to the default.
struct WorkerOptions: ParsableArguments {
    @Option(help: "Jobs run at once in this process (env NOTIFY_CONCURRENCY, default 2048).")
    var concurrency: Int?

    @Option(help: "Most jobs taken by one claim (env NOTIFY_CLAIM_BATCH, default 256).")
    var claimBatch: Int?

    @Option(help: "Concurrent writers of job outcomes (env NOTIFY_COMPLETION_WRITERS, default 1).")
    var completionWriters: Int?

    @Option(help: "Most bulk-lane jobs in flight at once (env NOTIFY_BULK_CONCURRENCY, default 4).")
    var bulkConcurrency: Int?

    @Option(help: "The lowest lane this worker claims: critical, transactional or bulk (default bulk: all).")
    var maxLane: String?

    @Option(
        help:
            "The highest-priority lane this worker claims: critical (default: all), transactional (never critical work) or bulk."
    )
    var minLane: String?

    @Option(help: "Connections of the critical lane's own pool (env NOTIFY_CRITICAL_POOL_SIZE, default 8).")
    var criticalPoolSize: Int?

    @Option(help: "Slots kept free for the critical lane (env NOTIFY_RESERVED_CRITICAL, default concurrency / 8).")
    var reservedCritical: Int?

    @Option(help: "Fallback poll interval in milliseconds (env NOTIFY_POLL_INTERVAL_MS, default 1000).")
    var pollIntervalMs: Int?

    @Option(help: "Lease length in milliseconds (env NOTIFY_LEASE_MS, default 30000).")
    var leaseMs: Int?

    @Option(
        help:
            "On SIGTERM, wait this long for in-flight jobs, in milliseconds (env NOTIFY_SHUTDOWN_GRACE_MS, default 20000)."
    )
    var shutdownGraceMs: Int?

    @Option(help: "Leader lock retry and tick interval in milliseconds (env NOTIFY_LEADER_INTERVAL_MS, default 1000).")
    var leaderIntervalMs: Int?

    /// The worker's settings: each option, else its `NOTIFY_…` variable, else its default. A
    /// variable out of range is a configuration error that names it (options are checked by
    /// ``validate()``).
    func configuration(_ environment: CommandEnvironment) throws -> WorkerConfiguration {
        /// The option, else the variable of `key`, else `value`; at least `minimum`.
        func setting(_ option: Int?, _ key: String, default value: Int, minimum: Int = 1) throws -> Int {
            let resolved = option ?? environment.int(key, default: value, minimum: minimum)
            guard resolved >= minimum else {
                let variable = CommandEnvironment.variable(key)
                throw RuntimeError(
                    .invalidConfiguration, "\(variable) must be at least \(minimum); got \(resolved)")
            }
            return resolved
        }
        let slots = try setting(concurrency, "notify.concurrency", default: 2048)
        let reserved = reservedCritical ?? environment.optionalInt("notify.reserved.critical", minimum: 0)
        if let reserved, reserved >= slots {
            // The worker would otherwise lower it to one less than its slots without a word.
            let message =
                "must be less than the jobs run at once (\(slots)), so that other lanes keep a slot; got \(reserved)"
            if reservedCritical != nil { throw ValidationError("--reserved-critical " + message) }
            throw RuntimeError(.invalidConfiguration, "NOTIFY_RESERVED_CRITICAL " + message)
        }
        return WorkerConfiguration(
            concurrency: slots,
            claimBatchSize: try setting(claimBatch, "notify.claim.batch", default: 256),
            reservedCriticalSlots: reserved,
            pollInterval: .milliseconds(try setting(pollIntervalMs, "notify.poll.interval.ms", default: 1000)),
            lease: .milliseconds(try setting(leaseMs, "notify.lease.ms", default: 30_000)),
            shutdownGracePeriod: .milliseconds(
                try setting(shutdownGraceMs, "notify.shutdown.grace.ms", default: 20_000, minimum: 0)),
            completionWriters: try setting(completionWriters, "notify.completion.writers", default: 1),
            bulkConcurrency: try setting(bulkConcurrency, "notify.bulk.concurrency", default: 4),
            criticalPoolSize: try setting(criticalPoolSize, "notify.critical.pool.size", default: 8),
            maxLane: maxLane.flatMap(Lane.init(name:)) ?? .bulk,
            minLane: minLane.flatMap(Lane.init(name:)) ?? .critical,
            chainSuccessors: environment.bool("notify.chain.successors", default: true),
            inlineSuccessors: environment.bool("notify.inline.successors", default: true),
            asynchronousCompletions: environment.bool("notify.async.completions", default: true),
            criticalCompletionTarget: .milliseconds(
                try setting(nil, "notify.critical.target.ms", default: 10, minimum: 0)),
            criticalGenericPlans: environment.bool("notify.critical.generic.plans", default: true))
    }

    func election(_ environment: CommandEnvironment, holder: String) -> LeaderElection.Configuration {
        let interval = Duration.milliseconds(
            leaderIntervalMs ?? environment.int("notify.leader.interval.ms", default: 1000, minimum: 1))
        return .init(retryInterval: interval, tickInterval: interval, holder: holder)
    }

    func validate() throws {
        for (name, value) in [
            ("--concurrency", concurrency), ("--claim-batch", claimBatch), ("--poll-interval-ms", pollIntervalMs),
            ("--lease-ms", leaseMs), ("--leader-interval-ms", leaderIntervalMs),
            ("--completion-writers", completionWriters), ("--bulk-concurrency", bulkConcurrency),
            ("--critical-pool-size", criticalPoolSize),
        ] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1; got \(value)") }
        }
        if let reservedCritical, reservedCritical < 0 {
            throw ValidationError("--reserved-critical must be 0 or more (got \(reservedCritical))")
        }
        if let shutdownGraceMs, shutdownGraceMs < 0 {
            throw ValidationError("--shutdown-grace-ms must be 0 or more (got \(shutdownGraceMs))")
        }
        if let maxLane, Lane(name: maxLane) == nil {
            throw ValidationError("--max-lane must be critical, transactional or bulk (got \(maxLane))")
        }
        if let minLane, Lane(name: minLane) == nil {
            throw ValidationError("--min-lane must be critical, transactional or bulk (got \(minLane))")
        }
        if let low = minLane.flatMap(Lane.init(name:)), let high = maxLane.flatMap(Lane.init(name:)), low > high {
            throw ValidationError(
                "--min-lane \(low) comes after --max-lane \(high): lanes run critical, transactional, bulk")
        }
    }
}
