import Synchronization

/// The jobs this worker is running: slot accounting, time limits and heartbeats.
///
/// A slot is taken at claim and given back only after the job's outcome is written, so
/// `concurrency` bounds both running jobs and jobs waiting for their completion to commit.
final class InFlightJobs: Sendable {
    struct Entry {
        let job: ClaimedJob
        let deadline: ContinuousClock.Instant
        let startedAt: ContinuousClock.Instant
    }

    /// The running task of a job. `UnsafeCurrentTask` is not Sendable; this is sound because it is
    /// only used (to cancel) while the entry exists, and the task detaches before it finishes.
    struct TaskHandle: @unchecked Sendable {
        let task: UnsafeCurrentTask
        func cancel() { task.cancel() }
    }

    /// A claim of a job: the same job can be held twice by one worker when its lease expired and it
    /// claimed the job again, and the two attempts must not be confused.
    struct Key: Hashable, Sendable {
        let id: Int64
        let fence: Int64
        init(_ job: ClaimedJob) {
            id = job.id
            fence = job.fence
        }
    }

    /// The entries, and beside them what changes while a job runs: kept apart so that changing it
    /// writes a small value into its own dictionary instead of modifying a whole entry in place
    /// (which costs an allocation per access).
    private struct State {
        var entries: [Key: Entry] = [:]
        /// The running tasks, so the watchdog can cancel them at their deadlines. Only used while
        /// the entry exists; a task detaches before it ends.
        var tasks: [Key: TaskHandle] = [:]
        /// Jobs the watchdog cancelled at their deadline.
        var timedOut: Set<Key> = []
        var bulk = 0
        var emptyWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { state.withLock { $0.entries.count } }
    var freeSlots: Int { capacity - count }
    /// Jobs of the bulk lane in flight.
    var bulkCount: Int { state.withLock { $0.bulk } }

    /// Takes slots for claimed jobs.
    func add(_ jobs: [ClaimedJob], timeout: (ClaimedJob) -> Duration) {
        let now = ContinuousClock.now
        state.withLock { state in
            for job in jobs {
                if state.entries.updateValue(
                    Entry(job: job, deadline: now + timeout(job), startedAt: now), forKey: Key(job)) == nil,
                    job.lane == .bulk
                {
                    state.bulk += 1
                }
            }
        }
    }

    /// Registers the task running a job (called from inside that task).
    func attach(_ job: ClaimedJob, task: UnsafeCurrentTask?) {
        let key = Key(job)
        let handle = task.map(TaskHandle.init)
        state.withLock { state in
            guard state.entries[key] != nil else { return }
            state.tasks[key] = handle
        }
    }

    /// Detaches the task from the entry (called from inside the task before it ends); returns
    /// whether the watchdog timed the job out.
    func detach(_ job: ClaimedJob) -> Bool {
        let key = Key(job)
        return state.withLock { state in
            state.tasks.removeValue(forKey: key)
            return state.timedOut.contains(key)
        }
    }

    /// Gives back the slots of jobs whose outcome is written.
    func remove(_ jobs: some Sequence<ClaimedJob>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            for job in jobs {
                let key = Key(job)
                guard state.entries.removeValue(forKey: key) != nil else { continue }
                state.tasks.removeValue(forKey: key)
                state.timedOut.remove(key)
                if job.lane == .bulk { state.bulk -= 1 }
            }
            guard state.entries.isEmpty else { return [] }
            defer { state.emptyWaiters = [:] }
            return Array(state.emptyWaiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Cancels jobs past their deadline; returns how many it cancelled.
    @discardableResult
    func cancelOverdue(now: ContinuousClock.Instant = .now) -> Int {
        state.withLock { state in
            var cancelled = 0
            for (key, entry) in state.entries where entry.deadline < now && !state.timedOut.contains(key) {
                if let task = state.tasks[key] {
                    state.timedOut.insert(key)
                    task.cancel()
                    cancelled += 1
                }
            }
            return cancelled
        }
    }

    /// Cancels every running job (shutdown after the grace period).
    func cancelAll() {
        state.withLock { state in
            for task in state.tasks.values { task.cancel() }
        }
    }

    /// Jobs running longer than `age`, whose leases need extending.
    func longRunning(olderThan age: Duration, now: ContinuousClock.Instant = .now) -> [ClaimedJob] {
        state.withLock { state in state.entries.values.filter { now - $0.startedAt >= age }.map(\.job) }
    }

    /// Every job still held.
    func all() -> [ClaimedJob] { state.withLock { $0.entries.values.map(\.job) } }

    /// Waits until no job is held, or the waiting task is cancelled.
    func waitUntilEmpty() async {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.withLock { state -> Bool in
                    if state.entries.isEmpty || Task.isCancelled { return true }
                    state.emptyWaiters[id] = continuation
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.emptyWaiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
