import Foundation
import NotifyFunctionKit
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import Testing

@Suite("Enqueue from Swift and from SQL", .timeLimit(.minutes(3)))
struct EnqueueTests {
    @Test("the SQL producer inside a rolled-back transaction leaves nothing; committed, the job exists")
    func sqlProducerFollowsTheTransaction() async throws {
        try await TestRuntime.with(catalog: catalog()) { runtime in
            try await runtime.client.withConnection { connection in
                try await connection.query("BEGIN", logger: runtime.logger)
                try await connection.query(
                    #"SELECT notify.enqueue('probe', '{"marker":"rolled-back"}')"#, logger: runtime.logger)
                try await connection.query("ROLLBACK", logger: runtime.logger)
                try await connection.query("BEGIN", logger: runtime.logger)
                try await connection.query(
                    #"SELECT notify.enqueue('probe', '{"marker":"committed"}', 'critical')"#, logger: runtime.logger)
                try await connection.query("COMMIT", logger: runtime.logger)
            }
            #expect(
                try await runtime.count("SELECT count(*) FROM notify.jobs WHERE payload->>'marker' = 'rolled-back'")
                    == 0)
            #expect(
                try await runtime.count(
                    "SELECT count(*) FROM notify.jobs WHERE payload->>'marker' = 'committed' AND lane = 0") == 1)
        }
    }

    @Test("the SQL producer refuses unknown functions, lanes and non-object payloads with a hint")
    func sqlProducerRefusesBadInput() async throws {
        try await TestRuntime.with(catalog: catalog()) { runtime in
            for (sql, message, hint) in [
                ("SELECT notify.enqueue('send-fax', '{}')", #"unknown function "send-fax""#, "use one of:"),
                (
                    "SELECT notify.enqueue('probe', '{}', 'urgent')", #"unknown lane "urgent""#,
                    "critical, transactional or bulk"
                ),
                ("SELECT notify.enqueue('probe', '[1]')", "must be a JSON object", "pass for example"),
                (
                    "SELECT notify.enqueue('probe', '{}', NULL, 'infinity')", "p_run_at must be a finite time",
                    "pass NULL to run at once"
                ),
                (
                    "SELECT notify.enqueue('probe', '{}', NULL, '-infinity')", "p_run_at must be a finite time",
                    "pass NULL to run at once"
                ),
            ] {
                do {
                    _ = try await runtime.client.query(PostgresQuery(unsafeSQL: sql), logger: runtime.logger).collect()
                    Issue.record("\(sql) was accepted")
                } catch let error as PSQLError {
                    #expect(error.serverInfo?[.message]?.contains(message) == true, "\(String(reflecting: error))")
                    #expect(error.serverInfo?[.hint]?.contains(hint) == true)
                    #expect(error.serverInfo?[.sqlState] == "22023")
                }
            }
            #expect(try await runtime.count("SELECT count(*) FROM notify.jobs") == 0)
            #expect(try await runtime.count("SELECT count(*) FROM notify.scheduled_jobs") == 0)
        }
    }

    @Test("the Swift producer refuses unknown functions before writing anything")
    func swiftProducerRefusesUnknownFunctions() async throws {
        try await TestRuntime.with(catalog: catalog()) { runtime in
            await #expect(throws: RuntimeError.self) {
                try await runtime.producer.enqueue([
                    try .recording("ok"), JobRequest(function: "send-fax", payload: "{}"),
                ])
            }
            do {
                try await runtime.producer.enqueue(JobRequest(function: "send-fax", payload: "{}"))
            } catch let error as RuntimeError {
                #expect(error.code == .unknownFunction)
                #expect(error.message.contains("use one of probe, recording"))
            }
            #expect(try await runtime.count("SELECT count(*) FROM notify.jobs") == 0)
        }
    }

    @Test("jobs due beyond the horizon wait in scheduled_jobs and are promoted by the leader's tick")
    func scheduledJobsWaitOutsideTheHotTable() async throws {
        try await TestRuntime.with(catalog: catalog()) { runtime in
            let later = Date().addingTimeInterval(3600)
            let ids = try await runtime.producer.enqueue([
                try .recording("now"),
                try JobRequest(function: "recording", input: RecordingFunction.Input(key: "later"), runAt: later),
            ])
            #expect(ids.count == 2)
            #expect(try await runtime.count("SELECT count(*) FROM notify.jobs") == 1)
            #expect(try await runtime.count("SELECT count(*) FROM notify.scheduled_jobs") == 1)
            // Make it due, then let a leader tick promote it.
            try await runtime.client.query("UPDATE notify.scheduled_jobs SET run_at = now()", logger: runtime.logger)
            let leader = runtime.startLeader()
            defer { Task { await leader.cancel() } }
            #expect(await eventually { (try? await runtime.count("SELECT count(*) FROM notify.scheduled_jobs")) == 0 })
            #expect(try await runtime.count("SELECT count(*) FROM notify.jobs WHERE payload->>'key' = 'later'") == 1)
            await leader.cancel()
        }
    }

    @Test("two migrators at once: both succeed and each migration is applied once")
    func concurrentMigrations() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            try await client.query("DROP SCHEMA notify CASCADE", logger: TestCluster.logger)
            async let first = Migrator(client: client, logger: TestCluster.logger).migrate()
            async let second = Migrator(client: client, logger: TestCluster.logger).migrate()
            let applied = try await first.count + second.count
            #expect(applied == Migrations.all.count)
            let versions = try await Migrator(client: client, logger: TestCluster.logger).appliedVersions()
            #expect(versions == Migrations.all.map(\.version))
        }
    }
}
