import Foundation
import NotifyFunctionKit
import NotifyRuntime
import NotifyTestSupport
import ProbeFunction
import ScheduleTickFunction
import Synchronization

/// Records when each input started, in this process's monotonic clock.
final class StartLog: Sendable {
    private let starts = Mutex<[String: [ContinuousClock.Instant]]>([:])

    func record(_ key: String) {
        let now = ContinuousClock.now
        starts.withLock { $0[key, default: []].append(now) }
    }

    func first(_ key: String) -> ContinuousClock.Instant? { starts.withLock { $0[key]?.first } }
    func count(_ key: String) -> Int { starts.withLock { $0[key]?.count ?? 0 } }
    func total() -> Int { starts.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}

/// A test function that records its start and then sleeps.
struct RecordingFunction: NotifyFunction {
    struct Input: Codable, Sendable {
        var key: String
        var sleepMilliseconds: Int = 0
    }

    static let name: FunctionName = "recording"
    let log: StartLog

    func handle(_ input: Input, context: FunctionContext) async throws -> FunctionOutput {
        log.record(input.key)
        if input.sleepMilliseconds > 0 { try await Task.sleep(for: .milliseconds(input.sleepMilliseconds)) }
        return .none
    }
}

extension JobRequest {
    static func recording(_ key: String, sleep: Int = 0, lane: Lane? = nil) throws -> JobRequest {
        try JobRequest(
            function: "recording", input: RecordingFunction.Input(key: key, sleepMilliseconds: sleep), lane: lane)
    }

    static func probe(_ input: ProbeFunctionInput, lane: Lane? = nil) throws -> JobRequest {
        try JobRequest(function: "probe", input: input, lane: lane)
    }
}

typealias ProbeFunctionInput = ProbeFunction.Input

func catalog(_ log: StartLog = StartLog()) -> FunctionCatalog {
    var catalog = FunctionCatalog()
    catalog.register(RecordingFunction(log: log))
    catalog.register(ProbeFunction())
    return catalog
}

/// A fast worker configuration for tests.
func testWorker(
    concurrency: Int = 32, poll: Duration = .milliseconds(200), lease: Duration = .seconds(30),
    heartbeat: Duration? = nil, grace: Duration = .seconds(5), reserved: Int? = nil, bulk: Int = 4,
    maxLane: Lane = .bulk
) -> WorkerConfiguration {
    WorkerConfiguration(
        concurrency: concurrency, claimBatchSize: 64, reservedCriticalSlots: reserved, pollInterval: poll, lease: lease,
        heartbeatInterval: heartbeat, shutdownGracePeriod: grace, bulkConcurrency: bulk, maxLane: maxLane)
}

/// The schedule-tick entry, for leaders started in tests.
let scheduleTick: FunctionCatalog.Entry = {
    var catalog = FunctionCatalog()
    catalog.register(ScheduleTickFunction())
    return catalog.entry("schedule-tick")!
}()

extension TestRuntime {
    func startLeader(
        holder: String = "test-leader", interval: Duration = .milliseconds(100)
    ) -> RunningService<LeaderElection> {
        startLeader(holder: holder, interval: interval, tick: scheduleTick)
    }
}
