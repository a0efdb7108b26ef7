import Foundation
import NotifyFunctionKit
import NotifyTestSupport
import PostgresNIO
import Synchronization
import Testing

@testable import NotifyRuntime

/// A test stage: records its start, optionally writes a row to `public.effects`, and enqueues
/// `then` with the same key.
struct StageFunction: NotifyFunction {
    struct Input: Codable, Sendable {
        var key: String
        var writes: Bool
        var then: String
        var thenLane: Lane?
        /// Marks the request for `then` as one whose input covers this stage's writes.
        var covers: Bool?
    }

    static let name: FunctionName = "stage"
    let log: StartLog

    func handle(_ input: Input, context: FunctionContext) async throws -> FunctionOutput {
        log.record("stage-\(input.key)")
        var request = try JobRequest(
            function: try FunctionName(validating: input.then), input: SuccessorInput(key: input.key),
            lane: input.thenLane ?? context.lane)
        request.inputCoversPendingWrites = input.covers ?? false
        var output = FunctionOutput(next: [request])
        if input.writes {
            output.writes.append("INSERT INTO public.effects (key, who) VALUES (\(input.key), 'stage')")
        }
        return output
    }
}

struct SuccessorInput: Codable, Sendable {
    var key: String
}

/// May always be inlined: writes a `seal` row only if the stage's row is there, so it proves that
/// its write ran after its predecessor's, in the same transaction. Fails once for keys listed in
/// `failOnce`.
struct SealFunction: NotifyFunction {
    static let name: FunctionName = "seal"
    static let settings = FunctionSettings(
        maxAttempts: 3, retry: RetryPolicy(base: .milliseconds(10)), inlining: .always)
    let log: StartLog
    let failOnce: FailOnce

    func handle(_ input: SuccessorInput, context: FunctionContext) async throws -> FunctionOutput {
        log.record("seal-\(input.key)")
        if failOnce.take(input.key) {
            throw FunctionError(.transient, code: "test_failure", "seal fails once for \(input.key)")
        }
        return FunctionOutput(writes: [
            """
            INSERT INTO public.effects (key, who)
            SELECT \(input.key), 'seal' WHERE EXISTS (SELECT 1 FROM public.effects WHERE key = \(input.key) AND who = 'stage')
            """
        ])
    }
}

/// Keys whose first invocation fails.
final class FailOnce: Sendable {
    private let keys: Mutex<Set<String>>

    init(_ keys: Set<String>) { self.keys = Mutex(keys) }

    /// True the first time for each listed key.
    func take(_ key: String) -> Bool { keys.withLock { $0.remove(key) != nil } }
}

/// Inlined only after a predecessor that wrote nothing.
struct LookFunction: NotifyFunction {
    static let name: FunctionName = "look"
    static let settings = FunctionSettings(inlining: .whenPredecessorWroteNothing)
    let log: StartLog

    func handle(_ input: SuccessorInput, context: FunctionContext) async throws -> FunctionOutput {
        log.record("look-\(input.key)")
        return .none
    }
}

/// A successor whose ``InlinePolicy`` allows it runs inside its predecessor's job: no job row of
/// its own, its output committed with its predecessor's; anything else is enqueued as before.
@Suite("Successors run inside their predecessor's job", .timeLimit(.minutes(3)))
struct InlinedSuccessorTests {
    static func catalog(_ log: StartLog, failOnce: Set<String> = []) -> FunctionCatalog {
        var catalog = NotifyRuntimeTests.catalog(log)
        catalog.register(StageFunction(log: log))
        catalog.register(SealFunction(log: log, failOnce: FailOnce(failOnce)))
        catalog.register(LookFunction(log: log))
        return catalog
    }

    static let setup: [PostgresQuery] =
        ["CREATE TABLE public.effects (key text, who text)"] + TestRuntime.jobInsertLog

    /// The queues of every job row inserted, sorted.
    static func insertedQueues(_ runtime: TestRuntime, key: String) async throws -> [String] {
        try await runtime.rows("SELECT queue FROM public.job_inserts WHERE key = \(key) ORDER BY queue")
            .map { try $0.decode(String.self) }
    }

    static func effects(_ runtime: TestRuntime, key: String) async throws -> [String] {
        try await runtime.rows("SELECT who FROM public.effects WHERE key = \(key) ORDER BY who")
            .map { try $0.decode(String.self) }
    }

    static func stage(
        _ key: String, writes: Bool, then: String, thenLane: Lane? = nil, covers: Bool = false
    ) throws -> JobRequest {
        try JobRequest(
            function: "stage",
            input: StageFunction.Input(key: key, writes: writes, then: then, thenLane: thenLane, covers: covers),
            lane: .transactional)
    }

    static func idle(_ runtime: TestRuntime) async -> Bool {
        (try? await runtime.count("SELECT count(*) FROM notify.jobs")) == 0
    }

    /// Waits until `key` has started `count` times and no job is left.
    static func settled(_ runtime: TestRuntime, _ log: StartLog, _ key: String, count: Int = 1) async -> Bool {
        await eventually {
            guard log.count(key) == count else { return false }
            return await idle(runtime)
        }
    }

    @Test("an always-inlinable successor runs in its predecessor's job and writes after it, in one transaction")
    func alwaysInlinableSuccessorRunsInside() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: Self.catalog(log)) { runtime in
            for statement in Self.setup { try await runtime.client.query(statement, logger: runtime.logger) }
            let worker = runtime.startWorker(testWorker(poll: .milliseconds(50)))
            try await runtime.producer.enqueue(try Self.stage("a", writes: true, then: "seal"))
            #expect(await Self.settled(runtime, log, "seal-a"))
            try await worker.shutdown()
            #expect(try await Self.insertedQueues(runtime, key: "a") == ["stage"], "no job row for seal")
            #expect(try await Self.effects(runtime, key: "a") == ["seal", "stage"])
            #expect(log.count("stage-a") == 1 && log.count("seal-a") == 1)
        }
    }

    @Test("a successor that reads committed state is inlined only when its predecessor wrote nothing")
    func committedStateReaderWaitsForWrites() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: Self.catalog(log)) { runtime in
            for statement in Self.setup { try await runtime.client.query(statement, logger: runtime.logger) }
            let worker = runtime.startWorker(testWorker(poll: .milliseconds(50)))
            try await runtime.producer.enqueue(try Self.stage("wrote", writes: true, then: "look"))
            try await runtime.producer.enqueue(try Self.stage("quiet", writes: false, then: "look"))
            #expect(await eventually { log.count("look-wrote") == 1 && log.count("look-quiet") == 1 })
            #expect(await eventually { await Self.idle(runtime) })
            try await worker.shutdown()
            #expect(try await Self.insertedQueues(runtime, key: "wrote") == ["look", "stage"])
            #expect(try await Self.insertedQueues(runtime, key: "quiet") == ["stage"])
        }
    }

    @Test("a committed-state reader is inlined after writes when its request's input covers them")
    func aRequestWhoseInputCoversTheWritesIsInlined() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: Self.catalog(log)) { runtime in
            for statement in Self.setup { try await runtime.client.query(statement, logger: runtime.logger) }
            let worker = runtime.startWorker(testWorker(poll: .milliseconds(50)))
            try await runtime.producer.enqueue(try Self.stage("covered", writes: true, then: "look", covers: true))
            #expect(await Self.settled(runtime, log, "look-covered"))
            try await worker.shutdown()
            #expect(try await Self.insertedQueues(runtime, key: "covered") == ["stage"], "no job row for look")
            #expect(try await Self.effects(runtime, key: "covered") == ["stage"])
        }
    }

    @Test("an inlined successor that fails is enqueued and runs as its own job; nothing is lost or doubled")
    func failedInlineRunsAsItsOwnJob() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: Self.catalog(log, failOnce: ["f"])) { runtime in
            for statement in Self.setup { try await runtime.client.query(statement, logger: runtime.logger) }
            let worker = runtime.startWorker(testWorker(poll: .milliseconds(50)))
            try await runtime.producer.enqueue(try Self.stage("f", writes: true, then: "seal"))
            #expect(await Self.settled(runtime, log, "seal-f", count: 2))
            try await worker.shutdown()
            #expect(try await Self.insertedQueues(runtime, key: "f") == ["seal", "stage"])
            #expect(try await Self.effects(runtime, key: "f") == ["seal", "stage"])
            #expect(try await runtime.count("SELECT count(*) FROM notify.dead_jobs") == 0)
        }
    }

    @Test("no inlining when it is turned off, across lanes, or for a function the worker does not run")
    func otherSuccessorsAreEnqueued() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: Self.catalog(log)) { runtime in
            for statement in Self.setup { try await runtime.client.query(statement, logger: runtime.logger) }
            var off = testWorker(poll: .milliseconds(50))
            off.inlineSuccessors = false
            let plain = runtime.startWorker(off)
            try await runtime.producer.enqueue(try Self.stage("off", writes: true, then: "seal"))
            #expect(await Self.settled(runtime, log, "seal-off"))
            try await plain.shutdown()

            let inlining = runtime.startWorker(testWorker(poll: .milliseconds(50)))
            try await runtime.producer.enqueue(try Self.stage("lane", writes: true, then: "seal", thenLane: .bulk))
            #expect(await Self.settled(runtime, log, "seal-lane"))
            try await inlining.shutdown()

            let stageOnly = try runtime.catalog.restricted(to: ["stage"])
            let stageWorker = runtime.startWorker(testWorker(poll: .milliseconds(50)), catalog: stageOnly)
            try await runtime.producer.enqueue(try Self.stage("apart", writes: true, then: "seal"))
            #expect(await eventually { log.count("stage-apart") == 1 })
            #expect(
                await eventually {
                    (try? await runtime.count("SELECT count(*) FROM notify.jobs WHERE queue = 'seal'")) == 1
                })
            try await stageWorker.shutdown()
            #expect(log.count("seal-apart") == 0)

            for key in ["off", "lane", "apart"] {
                #expect(try await Self.insertedQueues(runtime, key: key) == ["seal", "stage"], "key \(key)")
            }
            #expect(try await Self.effects(runtime, key: "off") == ["seal", "stage"])
            #expect(try await Self.effects(runtime, key: "lane") == ["seal", "stage"])
        }
    }
}
