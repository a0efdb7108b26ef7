import Foundation
import NotifyFunctionKit

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// How a worker claims and runs jobs. Defaults suit a production worker; every field can be set
/// from the environment by the CLI (see `notify work --help`).
public struct WorkerConfiguration: Sendable {
    /// Identifies this process in `locked_by` and logs: `host:pid:random`.
    public var workerID: String
    /// Jobs run at once in this process (`NOTIFY_CONCURRENCY`, default 2048;
    /// jobs are tasks, not threads, so slow providers are carried by concurrency).
    public var concurrency: Int
    /// The most jobs one claim takes (`NOTIFY_CLAIM_BATCH`, default 256).
    public var claimBatchSize: Int
    /// Slots kept free for the critical lane (`NOTIFY_RESERVED_CRITICAL`, default concurrency / 8).
    public var reservedCriticalSlots: Int
    /// The fallback poll when no wake-up arrives (`NOTIFY_POLL_INTERVAL_MS`, default 1000).
    public var pollInterval: Duration
    /// How long a claim holds a job before another worker may take it over (`NOTIFY_LEASE_MS`,
    /// default 30 s). Heartbeats extend it for long jobs.
    public var lease: Duration
    /// How often leases of running jobs are extended (default lease / 3).
    public var heartbeatInterval: Duration
    /// How long SIGTERM waits for in-flight jobs before releasing them (`NOTIFY_SHUTDOWN_GRACE_MS`,
    /// default 20 s).
    public var shutdownGracePeriod: Duration
    /// Concurrent completion writers (`NOTIFY_COMPLETION_WRITERS`, default 1).
    public var completionWriters: Int
    /// The most bulk-lane jobs in flight at once (`NOTIFY_BULK_CONCURRENCY`, default 4). A
    /// campaign's jobs are batches of hundreds of deliveries; a handful keep both cores busy, and
    /// more would only lengthen the queues (threads, connections) that a one-time passcode's job
    /// must pass through.
    public var bulkConcurrency: Int
    /// The lowest lane this worker claims (`notify work --max-lane`, default `bulk`: every lane).
    /// `critical` makes a worker that runs only one-time passcodes and other critical work, so a
    /// deployment can give that lane processes (and cores) that no campaign can reach.
    public var maxLane: Lane
    /// The highest-priority lane this worker claims (`notify work --min-lane`, default `critical`:
    /// every lane). `transactional` makes a worker that never runs critical work: a campaign
    /// worker that can be given a lower CPU priority (`nice`) than the processes serving one-time
    /// passcodes. Such a worker keeps no slots reserved for the critical lane.
    public var minLane: Lane
    /// Connections of the critical lane's own pool (`NOTIFY_CRITICAL_POOL_SIZE`, default 8).
    /// Critical-lane jobs read, write and complete through it, so a one-time passcode never
    /// queues for a connection behind a campaign's jobs.
    public var criticalPoolSize: Int
    /// Whether a completion that enqueues critical or transactional jobs for functions this worker
    /// runs claims them for this worker in the same transaction and starts them at once, saving a
    /// step of the pipeline its claim and wake-up (`NOTIFY_CHAIN_SUCCESSORS`, default on). See
    /// ``ChainedClaim``.
    public var chainSuccessors: Bool
    /// Whether a job runs, inside itself, the successors it enqueues for functions this worker runs
    /// when their ``NotifyFunctionKit/InlinePolicy`` allows it, committing their output with its
    /// own (`NOTIFY_INLINE_SUCCESSORS`, default on): render inside preference-filter, send-inapp
    /// inside render.
    public var inlineSuccessors: Bool
    /// Whether completions of functions whose settings allow it commit without waiting for the
    /// disk (`NOTIFY_ASYNC_COMPLETIONS`, default on; see ``NotifyFunctionKit/CompletionCommit``).
    /// Off, every completion waits, as the server's `synchronous_commit` says.
    public var asynchronousCompletions: Bool
    /// The longest a critical-lane completion transaction may take before the worker halves the
    /// bulk jobs it keeps in flight (`NOTIFY_CRITICAL_TARGET_MS`, default 10; 0 or nil: never).
    /// They grow back while critical completions stay fast. See ``BulkGovernor``.
    public var criticalCompletionTarget: Duration?
    /// Whether the critical lane's pool plans every prepared statement once (`plan_cache_mode =
    /// force_generic_plan`, `NOTIFY_CRITICAL_GENERIC_PLANS`, default on). A one-time passcode's
    /// statements carry one row, and PostgreSQL, weighing a plan for one row against a generic plan
    /// costed for ten, plans them afresh on every call, which is most of their database CPU.
    public var criticalGenericPlans: Bool
    /// The wall clock functions see.
    public var clock: any NotifyClock

    /// Creates a configuration.
    public init(
        workerID: String = WorkerConfiguration.defaultWorkerID(), concurrency: Int = 2048, claimBatchSize: Int = 256,
        reservedCriticalSlots: Int? = nil, pollInterval: Duration = .seconds(1), lease: Duration = .seconds(30),
        heartbeatInterval: Duration? = nil, shutdownGracePeriod: Duration = .seconds(20), completionWriters: Int = 1,
        bulkConcurrency: Int = 4, criticalPoolSize: Int = 8, maxLane: Lane = .bulk, minLane: Lane = .critical,
        chainSuccessors: Bool = true, inlineSuccessors: Bool = true, asynchronousCompletions: Bool = true,
        criticalCompletionTarget: Duration? = .milliseconds(10),
        criticalGenericPlans: Bool = true, clock: any NotifyClock = SystemClock()
    ) {
        self.workerID = workerID
        self.concurrency = max(1, concurrency)
        self.claimBatchSize = max(1, claimBatchSize)
        self.reservedCriticalSlots = min(
            max(0, reservedCriticalSlots ?? max(1, concurrency / 8)), max(0, concurrency - 1))
        self.pollInterval = pollInterval
        self.lease = lease
        self.heartbeatInterval = heartbeatInterval ?? lease / 3
        self.shutdownGracePeriod = shutdownGracePeriod
        self.completionWriters = max(1, completionWriters)
        self.criticalPoolSize = max(1, criticalPoolSize)
        self.bulkConcurrency = max(1, bulkConcurrency)
        self.maxLane = maxLane
        self.minLane = min(minLane, maxLane)
        self.chainSuccessors = chainSuccessors
        self.inlineSuccessors = inlineSuccessors
        self.asynchronousCompletions = asynchronousCompletions
        self.criticalCompletionTarget = criticalCompletionTarget.flatMap { $0 > .zero ? $0 : nil }
        self.criticalGenericPlans = criticalGenericPlans
        self.clock = clock
    }

    /// The slots this worker keeps free for the critical lane: ``reservedCriticalSlots``, or none
    /// when it never claims that lane (``minLane`` below it).
    var criticalReserve: Int { minLane > .critical ? 0 : reservedCriticalSlots }

    /// `hostname:pid:xxxx`.
    public static func defaultWorkerID() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let host =
            gethostname(&buffer, buffer.count) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "host"
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return "\(host):\(ProcessInfo.processInfo.processIdentifier):\(suffix)"
    }
}
