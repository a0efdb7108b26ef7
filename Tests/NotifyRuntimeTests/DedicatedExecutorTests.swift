import Foundation
import NotifyFunctionKit
import NotifyTestSupport
import Synchronization
import Testing

@testable import NotifyRuntime

/// The name of the thread running the caller (Linux keeps the first 15 bytes).
func currentThreadName() -> String {
    let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
    return name.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Thread names by key.
final class ThreadLog: Sendable {
    private let names = Mutex<[String: String]>([:])
    func record(_ key: String, _ name: String) { names.withLock { $0[key] = name } }
    var all: [String: String] { names.withLock { $0 } }
}

/// A test function that records the thread it ran on, by key.
struct ThreadRecordingFunction: NotifyFunction {
    struct Input: Codable, Sendable { var key: String }

    static let name: FunctionName = "thread-recording"
    let threads: ThreadLog

    func handle(_ input: Input, context: FunctionContext) async throws -> FunctionOutput {
        try await Task.sleep(for: .milliseconds(1))
        let name = currentThreadName()
        threads.record(input.key, name)
        return .none
    }
}

@Suite("Dedicated executors", .timeLimit(.minutes(2)))
struct DedicatedExecutorTests {
    @Test("tasks that prefer a dedicated executor run on its threads, also after they suspend")
    func tasksRunOnTheExecutorsThreads() async throws {
        let executor = DedicatedExecutor(name: "test-exec", threads: 2)
        let names = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<20 {
                group.addTask(executorPreference: executor) {
                    let before = currentThreadName()
                    try await Task.sleep(for: .milliseconds(2))
                    return [before, currentThreadName()]
                }
            }
            var all: [String] = []
            for try await pair in group { all += pair }
            return all
        }
        #expect(names.count == 40)
        #expect(Set(names).isSubset(of: ["test-exec-0", "test-exec-1"]), "\(Set(names))")
        let elsewhere = await Task.detached { currentThreadName() }.value
        #expect(!elsewhere.hasPrefix("test-exec"))
    }

    @Test("a worker runs critical jobs on the critical executor and the other lanes on the global one")
    func criticalJobsRunOnTheCriticalExecutor() async throws {
        try #require(DedicatedExecutor.isEnabled)
        let threads = ThreadLog()
        var catalog = FunctionCatalog()
        catalog.register(ThreadRecordingFunction(threads: threads))
        try await TestRuntime.with(catalog: catalog) { runtime in
            let worker = runtime.startWorker(testWorker(poll: .milliseconds(50)))
            for lane in [Lane.critical, .transactional, .bulk] {
                try await runtime.producer.enqueue(
                    try JobRequest(
                        function: "thread-recording", input: ThreadRecordingFunction.Input(key: "\(lane)"),
                        lane: lane))
            }
            #expect(await eventually(timeout: .seconds(10)) { threads.all.count == 3 })
            await worker.cancel()
            let seen = threads.all
            #expect(seen["critical"] == "notify-critical")
            #expect(seen["transactional"] != "notify-critical")
            #expect(seen["bulk"] != "notify-critical")
        }
    }
}
