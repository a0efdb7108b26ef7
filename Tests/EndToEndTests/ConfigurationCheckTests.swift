import Foundation
import NotifyPrivateCluster
import NotifyTestSupport
import Testing

/// Settings as an operator gives them: a variable that does not parse or is out of range, or a
/// port that is not one, stops the command with a sentence that names it, instead of being
/// silently replaced by a default.
@Suite("Configuration checks", .timeLimit(.minutes(2)))
struct ConfigurationCheckTests {
    func run(
        _ arguments: [String], database: String?, environment: [String: String] = [:]
    ) async throws -> (
        status: Int32, log: String
    ) {
        try await NotifyProcess.run(arguments, databaseURL: database, environment: environment)
    }

    @Test("a worker refuses variables that do not parse or are out of range, naming each")
    func badVariablesStopTheWorker() async throws {
        let database = try await TestCluster.freshDatabase().secretURLString
        for (variable, value, words) in [
            ("NOTIFY_CONCURRENCY", "abc", "NOTIFY_CONCURRENCY must be a whole number; got \"abc\""),
            ("NOTIFY_CRITICAL_TARGET_MS", "soon", "NOTIFY_CRITICAL_TARGET_MS must be a whole number"),
            ("NOTIFY_LEASE_MS", "-5", "NOTIFY_LEASE_MS must be at least 1; got -5"),
            ("NOTIFY_POOL_SIZE", "-3", "NOTIFY_POOL_SIZE must be at least 1; got -3"),
            ("NOTIFY_LOG_LEVEL", "loud", "NOTIFY_LOG_LEVEL must be one of trace, debug, info"),
            ("NOTIFY_INLINE_SUCCESSORS", "maybe", "NOTIFY_INLINE_SUCCESSORS must be true or false"),
            // Switches read outside the command's settings, once only for the word `on` or `off`.
            ("NOTIFY_DEDICATED_EXECUTORS", "maybe", "NOTIFY_DEDICATED_EXECUTORS must be true or false"),
            ("NOTIFY_NIO_EXECUTOR", "yes please", "NOTIFY_NIO_EXECUTOR must be true or false"),
            ("NOTIFY_PREPARED_STATEMENTS", "nah", "NOTIFY_PREPARED_STATEMENTS must be true or false"),
            ("NOTIFY_PREPARED_READS", "never", "NOTIFY_PREPARED_READS must be true or false"),
        ] {
            let result = try await run(
                ["work", "--functions", "noop", "--no-lead"], database: database, environment: [variable: value])
            #expect(result.status == 1, "\(variable)=\(value): \(result.log)")
            #expect(result.log.contains(words), "\(variable)=\(value): \(result.log)")
        }
    }

    @Test("the API's settings that do not parse stop it, naming the variable")
    func badAPISettingsStopTheAPI() async throws {
        let database = try await TestCluster.freshDatabase().secretURLString
        for (variable, value, words) in [
            ("NOTIFY_PUBLIC_URL", "notaurl", "NOTIFY_PUBLIC_URL must be an absolute http(s) URL"),
            ("NOTIFY_INBOX_REQUESTS_PER_SECOND", "0", "NOTIFY_INBOX_REQUESTS_PER_SECOND must be at least 1; got 0"),
            (
                "NOTIFY_INBOX_ORIGINS", "https://app.example.com/inbox",
                "NOTIFY_INBOX_ORIGINS must be * or a comma-separated list of origins such as "
                    + "https://app.example.com,http://localhost:3000 (no path); got \"https://app.example.com/inbox\""
            ),
        ] {
            var environment = PipelineProcessTests.keys
            environment[variable] = value
            // `notify serve`; the inbox's settings stop a worker too, as every setting read at start-up does.
            let serve = ["serve", "--port", "1"]
            let worker = ["work", "--functions", "noop", "--no-lead", "--http-port", "1"]
            for arguments in variable == "NOTIFY_PUBLIC_URL" ? [serve] : [serve, worker] {
                let result = try await run(arguments, database: database, environment: environment)
                #expect(result.status == 1, "\(arguments) \(variable)=\(value): \(result.log)")
                #expect(result.log.contains(words), "\(arguments) \(variable)=\(value): \(result.log)")
            }
        }
    }

    @Test("the engine's keys are all three or none, and a bad lookup key is named by its variable")
    func engineKeys() async throws {
        let database = try await TestCluster.freshDatabase().secretURLString
        // notify dev would otherwise fall back to development keys and ignore the one given.
        let dev = try await NotifyProcess.start(
            ["dev", "--no-sandbox", "--port", String(try LoopbackPort.pickFree())], databaseURL: database,
            environment: ["NOTIFY_TOKEN_KEY": PipelineProcessTests.keys["NOTIFY_TOKEN_KEY"]!])
        let stopped = await eventually(timeout: .seconds(30), every: .milliseconds(50)) { dev.hasExited }
        await dev.stop()
        #expect(stopped, "\(dev.log)")
        #expect(await dev.waitForExit() == 1, "\(dev.log)")
        #expect(
            dev.log.contains("error: NOTIFY_ENCRYPTION_KEYS and NOTIFY_LOOKUP_KEY are not set; set all three keys"),
            "\(dev.log)")

        var keys = PipelineProcessTests.keys
        keys["NOTIFY_LOOKUP_KEY"] = "not-base64"
        let serve = try await run(["serve", "--port", "1"], database: database, environment: keys)
        #expect(serve.status == 1, "\(serve.log)")
        #expect(serve.log.contains("error: NOTIFY_LOOKUP_KEY: the lookup key is not valid base64"), "\(serve.log)")
    }

    @Test("a database that refuses the connection stops a worker at once with the server's reason")
    func refusedDatabaseStopsTheWorker() async throws {
        let missing = try await TestCluster.freshDatabase().with(database: "no_such_database")
        let started = ContinuousClock.now
        let result = try await run(["work", "--functions", "noop", "--no-lead"], database: missing.secretURLString)
        #expect(result.status == 1, "\(result.log)")
        #expect(
            result.log.contains("database \"no_such_database\" does not exist; check DATABASE_URL"), "\(result.log)")
        #expect(ContinuousClock.now - started < .seconds(30), "no waiting for an answer that will not change")
    }

    @Test("a port out of range is a usage error naming the option; a failed invocation exits 1")
    func portsAndInvocations() async throws {
        let port = try await run(["work", "--functions", "noop", "--http-port", "99999"], database: nil)
        #expect(port.status == 64)
        #expect(port.log.contains("--http-port must be a TCP port, 1 to 65535; got 99999"), "\(port.log)")
        #expect(port.log.contains("Usage: notify work"), "the subcommand's usage, not the root's: \(port.log)")

        let folder = NSTemporaryDirectory() + "notify-invoke-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let input = folder + "/input.json"
        try Data("{}".utf8).write(to: URL(fileURLWithPath: input))
        let failed = try await run(["invoke", "probe", "--input", input], database: nil)
        #expect(failed.status == 1, "\(failed.log)")
        try Data(#"{"marker":"ok"}"#.utf8).write(to: URL(fileURLWithPath: input))
        let noop = try await run(["invoke", "noop", "--input", input], database: nil)
        #expect(noop.status == 0, "\(noop.log)")
    }
}
