import Foundation
import NotifyFunctionKit
import NotifyTestSupport
import PostgresNIO
import Testing

@testable import NotifyRuntime

/// Passes a reading on to `then`: a date with a fractional second, and a value that is NaN when
/// `poison` is set (JSON cannot hold it).
struct MeasureFunction: NotifyFunction {
    struct Input: Codable, Sendable {
        var key: String
        var then: String
        var poison: Bool
    }

    static let name: FunctionName = "measure"
    let log: StartLog

    func handle(_ input: Input, context: FunctionContext) async throws -> FunctionOutput {
        log.record("measure-\(input.key)")
        let reading = ReadingInput(
            key: input.key, at: Date(timeIntervalSince1970: 1.5), value: input.poison ? .nan : 1)
        return FunctionOutput(next: [
            try JobRequest(function: try FunctionName(validating: input.then), input: reading, lane: context.lane)
        ])
    }
}

struct ReadingInput: Codable, Sendable {
    var key: String
    var at: Date
    var value: Double
}

/// Always inlinable; records whether its date kept its fractional second (`exact`: it was handed
/// over as a value) or lost it to the JSON round trip (`rounded`).
struct ReadFunction: NotifyFunction {
    static let name: FunctionName = "read"
    static let settings = FunctionSettings(inlining: .always)
    let log: StartLog

    func handle(_ input: ReadingInput, context: FunctionContext) async throws -> FunctionOutput {
        let exact = input.at.timeIntervalSince1970 == 1.5
        log.record("read-\(input.key)-\(exact ? "exact" : "rounded")")
        return .none
    }
}

/// A next step's input goes from function to function as a value when the worker runs both, and
/// as JSON through its job row otherwise; an input JSON cannot hold fails the job that made it.
@Suite("Inputs handed over as values", .timeLimit(.minutes(3)))
struct TypedHandoffTests {
    static func catalog(_ log: StartLog) -> FunctionCatalog {
        var catalog = NotifyRuntimeTests.catalog(log)
        catalog.register(MeasureFunction(log: log))
        catalog.register(ReadFunction(log: log))
        return catalog
    }

    static func measure(_ key: String, then: String, poison: Bool = false) throws -> JobRequest {
        try JobRequest(
            function: "measure", input: MeasureFunction.Input(key: key, then: then, poison: poison),
            lane: .transactional)
    }

    @Test("an inlined successor gets its predecessor's value as it is, without a job row or a JSON round trip")
    func inlinedSuccessorGetsTheValue() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: Self.catalog(log)) { runtime in
            try await runtime.logJobInserts()
            let worker = runtime.startWorker(testWorker(poll: .milliseconds(50)))
            try await runtime.producer.enqueue(try Self.measure("a", then: "read"))
            #expect(await InlinedSuccessorTests.settled(runtime, log, "read-a-exact"))
            try await worker.shutdown()
            #expect(log.count("read-a-rounded") == 0)
            #expect(
                try await runtime.rows("SELECT queue FROM public.job_inserts WHERE key = 'a'")
                    .map { try $0.decode(String.self) } == ["measure"])
        }
    }

    @Test("a successor that goes to the queue gets its input through the job row's JSON")
    func queuedSuccessorGetsTheJSON() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: Self.catalog(log)) { runtime in
            let measureOnly = try runtime.catalog.restricted(to: ["measure"])
            let first = runtime.startWorker(testWorker(poll: .milliseconds(50)), catalog: measureOnly)
            try await runtime.producer.enqueue(try Self.measure("q", then: "read"))
            #expect(
                await eventually {
                    (try? await runtime.count("SELECT count(*) FROM notify.jobs WHERE queue = 'read'")) == 1
                })
            try await first.shutdown()
            #expect(
                try await runtime.count(
                    "SELECT count(*) FROM notify.jobs WHERE queue = 'read' AND payload ->> 'at' = '1970-01-01T00:00:01Z'"
                )
                    == 1)
            let second = runtime.startWorker(testWorker(poll: .milliseconds(50)))
            #expect(await InlinedSuccessorTests.settled(runtime, log, "read-q-rounded"))
            try await second.shutdown()
        }
    }

    @Test("a next step whose input JSON cannot hold fails its predecessor's job with invalid_output, enqueuing nothing")
    func unencodableSuccessorInputFailsTheJob() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: Self.catalog(log)) { runtime in
            let worker = runtime.startWorker(testWorker(poll: .milliseconds(50)))
            let id = try await runtime.producer.enqueue(try Self.measure("nan", then: "recording", poison: true))
            #expect(
                await eventually {
                    (try? await runtime.count("SELECT count(*) FROM notify.dead_jobs")) == 1
                })
            try await worker.shutdown()
            let rows = try await runtime.rows(
                "SELECT attempts, errors -> -1 ->> 'code', errors -> -1 ->> 'message' FROM notify.dead_jobs WHERE id = \(id)"
            )
            let (attempts, code, message) = try #require(rows.first).decode((Int, String, String).self)
            #expect(attempts == 1, "permanent: not retried")
            #expect(code == "invalid_output")
            #expect(message.contains("recording") && message.contains("(at value)"))
            #expect(try await runtime.count("SELECT count(*) FROM notify.jobs") == 0)
            #expect(log.count("measure-nan") == 1)
        }
    }

    @Test("a local invoke reports a next step's input JSON cannot hold as invalid_output, as a worker would")
    func localInvokeReportsUnencodableInput() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: Self.catalog(log)) { runtime in
            let entry = try #require(runtime.catalog.entry(named: "measure"))
            let context = FunctionContext(
                jobID: 0, attempt: 1, maxAttempts: 1, deadline: .now + .seconds(10), tenantID: nil,
                lane: .transactional, logger: runtime.logger, database: FunctionDatabase(client: runtime.client),
                clock: SystemClock())
            for (poison, expected) in [(true, "invalid_output"), (false, nil)] {
                let input = #"{"key":"local","then":"recording","poison":\#(poison)}"#
                let text = try await FunctionInvoker.invoke(entry, payload: input, context: context)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                let code = (object["error"] as? [String: Any])?["code"] as? String
                #expect(code == expected, "poison: \(poison)")
                #expect((object["next"] as? [[String: Any]])?.count == (poison ? nil : 1))
            }
        }
    }
}
