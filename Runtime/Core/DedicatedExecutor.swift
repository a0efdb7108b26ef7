import Dispatch
import Foundation

/// A task executor with threads of its own, for work that must not wait behind everything else.
///
/// On Linux, Swift's global executor is one first-in, first-out queue served by as many threads as
/// there are cores, whatever the tasks' priorities: while a campaign keeps thousands of
/// continuations queued there, every step of a one-time passcode waits behind them. Tasks that
/// prefer a dedicated executor (`withTaskExecutorPreference`, or `addTask(executorPreference:)`)
/// run on its threads instead, from its own short queue. The operating system's scheduler, which
/// runs a thread that wakes from sleep ahead of threads that have been busy, then gives them the
/// CPU promptly: their latency no longer depends on how much other work is queued.
///
/// The threads sleep when the queue is empty and live as long as the process. Code running here
/// follows the cooperative pool's rule: it never blocks.
public final class DedicatedExecutor: TaskExecutor, @unchecked Sendable {
    /// Whether the runtime uses dedicated executors: `NOTIFY_DEDICATED_EXECUTORS` is not `off`.
    public static let isEnabled = ProcessInfo.processInfo.environment["NOTIFY_DEDICATED_EXECUTORS"] != "off"
    /// The executor of the critical lane: a worker's claims, wake-ups, critical jobs and their
    /// completions (nil when dedicated executors are off).
    public static let critical: DedicatedExecutor? =
        isEnabled ? DedicatedExecutor(name: "notify-critical", threads: 1) : nil
    /// The executor of the HTTP API's request handling (nil when dedicated executors are off).
    public static let api: DedicatedExecutor? =
        isEnabled ? DedicatedExecutor(name: "notify-api", threads: ProcessInfo.processInfo.activeProcessorCount) : nil

    /// The name its threads carry (visible in `top -H`).
    public let name: String
    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var jobs: [UnownedJob] = []
    /// Guarded by `condition`: the index of the next job to run in `jobs`.
    private var head = 0

    /// Starts `threads` threads named `name`.
    public init(name: String, threads: Int) {
        self.name = name
        for index in 0..<max(1, threads) {
            let threadName = threads > 1 ? "\(name)-\(index)" : name
            // Named from the thread itself, once `start()` has returned: on Linux, a name set
            // before then may never reach the operating system's thread.
            let started = DispatchSemaphore(value: 0)
            let thread = Thread { [self] in
                started.wait()
                Thread.current.name = threadName
                self.serve()
            }
            thread.start()
            started.signal()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Runs jobs in the order they were enqueued, one at a time per thread, sleeping while there are
    /// none.
    private func serve() {
        let executor = asUnownedTaskExecutor()
        while true {
            condition.lock()
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            if head == jobs.count || head >= 1024 {
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: executor)
        }
    }
}
