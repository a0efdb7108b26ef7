import Foundation
import Logging
import NotifyFunctionKit
import NotifyPrivateCluster
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import ProbeFunction
import Testing

@Suite("PostgreSQL restarts under a running worker", .timeLimit(.minutes(5)))
struct DatabaseRestartTests {
    @Test("the worker reconnects and goes on; nothing is lost")
    func workerSurvivesARestart() async throws {
        // A cluster of its own, on a fixed port, so the restart does not disturb other tests.
        let folder = NSTemporaryDirectory() + "notify-restart-\(UUID().uuidString)"
        let port = Int.random(in: 40_000...49_000)
        let logger = TestCluster.logger
        var cluster = try await PrivateCluster.start(
            .init(dataDirectory: folder, durable: false, port: port), logger: logger)
        let url = try DatabaseURL(cluster.connectionURL())
        _ = try await TestCluster.withClient(url) { client in
            try await Migrator(client: client, logger: logger).migrate()
        }
        let worker = try await NotifyProcess.start(
            ["work", "--functions", "probe", "--poll-interval-ms", "200", "--no-lead"], databaseURL: url.secretURLString
        )
        defer { Task { await worker.stop() } }

        let catalog: FunctionCatalog = {
            var catalog = FunctionCatalog()
            catalog.register(ProbeFunction())
            return catalog
        }()
        @Sendable func enqueue(_ markers: Range<Int>) async throws {
            _ = try await TestCluster.withClient(url) { client in
                let producer = JobProducer(client: client, catalog: catalog, logger: logger)
                try await producer.enqueue(
                    try markers.map { try JobRequest(function: "probe", input: ProbeFunction.Input(marker: "m\($0)")) })
            }
        }
        @Sendable func runs() async throws -> Int {
            try await TestCluster.withClient(url) { client in
                try await client.query("SELECT count(*) FROM notify.probe_runs", logger: logger).collect()[0].decode(
                    Int.self)
            }
        }

        try await enqueue(0..<100)
        #expect(await eventually { (try? await runs()) == 100 })

        try await cluster.stop()
        try await Task.sleep(for: .seconds(1))
        cluster = try await PrivateCluster.start(
            .init(dataDirectory: folder, durable: false, port: port), logger: logger)

        try await enqueue(100..<200)
        let recovered = await eventually(timeout: .seconds(30)) { (try? await runs()) == 200 }
        #expect(recovered, "\(worker.log)")
        #expect(!worker.hasExited)
        worker.signal(SIGTERM)
        #expect(await worker.waitForExit() == 0)
        try await cluster.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }
}
