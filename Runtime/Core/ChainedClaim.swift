import NotifyFunctionKit

/// What a worker will take, when a job it ran completes, of the jobs that completion enqueues: the
/// successors it can run itself are inserted already claimed by it and started at once, so a step
/// of the pipeline costs neither a claim nor a wake-up round trip.
///
/// Only the critical and transactional lanes chain (a campaign's bulk jobs keep their queue order
/// and their concurrency cap), only jobs due now, only functions the worker runs, and at most
/// ``budget`` jobs (the worker's free capacity, counting the slots of the jobs whose completion
/// enqueues them).
struct ChainedClaim: Sendable {
    /// The claiming worker, written to `locked_by`.
    let workerID: String
    /// The lease the chained jobs start with.
    let leaseSeconds: Double
    /// The functions the worker runs.
    let queues: Set<String>
    /// The lowest lane the worker claims.
    let maxLane: Lane
    /// The highest-priority lane the worker claims.
    var minLane: Lane = .critical
    /// How many jobs may be taken.
    let budget: Int

    /// Whether `request`, in `lane`, is a job this claim takes.
    func takes(_ request: JobRequest, lane: Lane) -> Bool {
        request.runAt == nil && lane >= minLane && lane <= min(maxLane, .transactional)
            && queues.contains(request.function.rawValue)
    }
}
