import Foundation
import NotifyFunctionKit
import NotifyTestSupport
import PostgresNIO
import Testing

@testable import NotifyRuntime

/// The input of the commit probes: a key, and the probe to run next with the key `<key>-next`.
struct CommitProbeInput: Codable, Sendable {
    var key: String
    var then: String?
}

/// Records the `synchronous_commit` its completion transaction runs with, and enqueues `then`.
func commitProbeOutput(_ input: CommitProbeInput, lane: Lane) throws -> FunctionOutput {
    var output = FunctionOutput(writes: [
        """
        INSERT INTO public.commits (key, setting) VALUES (\(input.key), current_setting('synchronous_commit'))
        """
    ])
    if let then = input.then {
        output.next.append(
            try JobRequest(
                function: try FunctionName(validating: then), input: CommitProbeInput(key: "\(input.key)-next"),
                lane: lane))
    }
    return output
}

/// A probe whose completion may commit without waiting for the disk.
struct AsynchronousProbe: NotifyFunction {
    static let name: FunctionName = "async-probe"
    static let settings = FunctionSettings(inlining: .always, completion: .asynchronous)

    func handle(_ input: CommitProbeInput, context: FunctionContext) async throws -> FunctionOutput {
        try commitProbeOutput(input, lane: context.lane)
    }
}

/// A probe whose completion waits for the disk (the default).
struct DurableProbe: NotifyFunction {
    static let name: FunctionName = "durable-probe"
    static let settings = FunctionSettings(inlining: .always)

    func handle(_ input: CommitProbeInput, context: FunctionContext) async throws -> FunctionOutput {
        try commitProbeOutput(input, lane: context.lane)
    }
}

/// A completion commits without waiting for the disk only when its function, every successor it
/// ran inline and the worker allow it.
@Suite("Completions that do not wait for the disk", .timeLimit(.minutes(3)))
struct CompletionCommitTests {
    static func catalog() -> FunctionCatalog {
        var catalog = NotifyRuntimeTests.catalog()
        catalog.register(AsynchronousProbe())
        catalog.register(DurableProbe())
        return catalog
    }

    /// Where the probes record their settings.
    static let commitsTable: PostgresQuery = "CREATE TABLE public.commits (key text PRIMARY KEY, setting text)"

    static func probe(_ function: FunctionName, _ key: String, then: String? = nil) throws -> JobRequest {
        try JobRequest(function: function, input: CommitProbeInput(key: key, then: then), lane: .transactional)
    }

    /// The setting each key's completion ran with, once `count` keys are recorded.
    static func settings(_ runtime: TestRuntime, count: Int) async throws -> [String: String] {
        #expect(
            await eventually {
                (try? await runtime.count("SELECT count(*) FROM public.commits")) == count
            })
        let rows = try await runtime.rows("SELECT key, setting FROM public.commits")
        return try Dictionary(uniqueKeysWithValues: rows.map { try $0.decode((String, String).self) })
    }

    @Test(
        "an asynchronous function's completion runs with synchronous_commit off; a durable one's, or one with a durable successor inline, with the server's"
    )
    func completionsFollowTheirFunctions() async throws {
        try await TestRuntime.with(catalog: Self.catalog()) { runtime in
            try await runtime.client.query(Self.commitsTable, logger: runtime.logger)
            let server = try #require(
                try await runtime.rows("SELECT current_setting('synchronous_commit')").first?.decode(String.self))
            #expect(server != "off", "the test needs a server that waits for the disk by default")
            let worker = runtime.startWorker(testWorker(poll: .milliseconds(50)))
            // One at a time: jobs that complete in one transaction share it, and it waits if any must.
            let probes: [(request: JobRequest, keys: Int)] = [
                (try Self.probe(AsynchronousProbe.name, "alone"), 1),
                (try Self.probe(DurableProbe.name, "durable"), 1),
                (try Self.probe(AsynchronousProbe.name, "mixed", then: DurableProbe.name.rawValue), 2),
                (try Self.probe(AsynchronousProbe.name, "pair", then: AsynchronousProbe.name.rawValue), 2),
            ]
            var recorded = 0
            var settings: [String: String] = [:]
            for probe in probes {
                try await runtime.producer.enqueue(probe.request)
                recorded += probe.keys
                settings = try await Self.settings(runtime, count: recorded)
            }
            try await worker.shutdown()
            #expect(settings["alone"] == "off")
            #expect(settings["durable"] == server)
            #expect(settings["mixed"] == server && settings["mixed-next"] == server, "one transaction, and it waits")
            #expect(settings["pair"] == "off" && settings["pair-next"] == "off")
        }
    }

    @Test("a worker with asynchronous completions turned off waits for the disk on every completion")
    func workerCanTurnThemOff() async throws {
        try await TestRuntime.with(catalog: Self.catalog()) { runtime in
            try await runtime.client.query(Self.commitsTable, logger: runtime.logger)
            var configuration = testWorker(poll: .milliseconds(50))
            configuration.asynchronousCompletions = false
            let worker = runtime.startWorker(configuration)
            try await runtime.producer.enqueue(try Self.probe(AsynchronousProbe.name, "off-switch"))
            let settings = try await Self.settings(runtime, count: 1)
            try await worker.shutdown()
            #expect(settings["off-switch"] != "off")
        }
    }
}
