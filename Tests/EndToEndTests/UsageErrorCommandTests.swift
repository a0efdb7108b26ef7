import Foundation
import NotifyPrivateCluster
import NotifyTestSupport
import Testing

/// Arguments a user gets wrong, as the README's "Command line" names the commands: each is a
/// usage error (status 64) whose first line names the option or argument and says what it takes,
/// found before any database is looked for.
@Suite("Usage errors of the commands", .timeLimit(.minutes(2)))
struct UsageErrorCommandTests {
    /// Runs `notify` with no database and a data folder of its own (no `notify dev` to find).
    func run(_ arguments: [String]) async throws -> (status: Int32, log: String) {
        let folder = NSTemporaryDirectory() + "notify-usage-\(UUID().uuidString)"
        return try await NotifyProcess.run(arguments, databaseURL: nil, environment: ["NOTIFY_DATA_DIR": folder])
    }

    @Test(
        "a wrong value of an option or argument exits 64 with a first line that names it",
        arguments: [
            (["work", "--functions", " , "], "Error: --functions names no function; give one or more"),
            (
                ["send", "--tenant", "demo", "--category", "otp", "--user", "u", "--priority", "urgent"],
                #"Error: --priority must be critical, transactional or bulk; got "urgent""#
            ),
            (["tenants", "create", "Acme"], #"Error: tenant ids are 2 to 63 lowercase letters"#),
            (
                ["tenants", "create", "acme", "--default-locale", "english please"],
                #"Error: --default-locale "english please" is not a locale; use a locale tag such as en"#
            ),
            (
                ["tenants", "create", "acme", "--timezone", "Mars/Olympus"],
                #"Error: "Mars/Olympus" is not a time zone; use an IANA time zone id"#
            ),
            (["tenants", "set-timezone", "acme", "Berlin"], #"Error: "Berlin" is not a time zone"#),
            (
                ["tenants", "set-retention", "acme", "0"],
                #"Error: days must be a number of days (1 to 3650) or "keep"; got "0""#
            ),
            (
                [
                    "sandbox", "serve", "--port", "0", "--apns-port", "0", "--smtp-port", "0", "--callback-url",
                    "engine",
                ],
                #"Error: --callback-url must be the engine's absolute http(s) base URL"#
            ),
            (
                ["sandbox", "messages", "--provider", "twillio"],
                #"Error: --provider must be one of twilio, vonage, sendgrid, smtp, fcm, apns, webhook; got "twillio""#
            ),
            (["sandbox", "faults", "smtp"], #"Error: the provider must be one of twilio, vonage, sendgrid, fcm"#),
        ])
    func wrongValues(arguments: [String], firstLine: String) async throws {
        let result = try await run(arguments)
        #expect(result.status == 64, "\(arguments): \(result.log)")
        #expect(result.log.hasPrefix(firstLine), "\(arguments): \(result.log)")
        #expect(result.log.contains("Usage: notify \(arguments[0])"), "\(arguments): \(result.log)")
    }

    @Test("more slots reserved for the critical lane than the worker runs is refused, not quietly lowered")
    func reservedCriticalAboveConcurrency() async throws {
        let database = try await TestCluster.freshDatabase().secretURLString
        let flag = try await NotifyProcess.run(
            ["work", "--functions", "noop", "--no-lead", "--concurrency", "10", "--reserved-critical", "10"],
            databaseURL: database)
        #expect(flag.status == 64, "\(flag.log)")
        #expect(
            flag.log.contains("Error: --reserved-critical must be less than the jobs run at once (10)"), "\(flag.log)")
        let variable = try await NotifyProcess.run(
            ["work", "--functions", "noop", "--no-lead"], databaseURL: database,
            environment: ["NOTIFY_RESERVED_CRITICAL": "5000"])
        #expect(variable.status == 1, "\(variable.log)")
        #expect(
            variable.log.contains("NOTIFY_RESERVED_CRITICAL must be less than the jobs run at once (2048)"),
            "\(variable.log)")
    }

    @Test("notify serve on a port another process holds says so, and never that it is up")
    func serveOnATakenPort() async throws {
        let database = try await TestCluster.freshDatabase().secretURLString
        let port = String(try LoopbackPort.pickFree())
        let first = try await NotifyProcess.start(
            ["serve", "--port", port], databaseURL: database, environment: PipelineProcessTests.keys)
        defer { first.signal(SIGKILL) }
        let up = await eventually(timeout: .seconds(30), every: .milliseconds(50)) {
            first.log.contains("notify serve is up")
        }
        #expect(up, "\(first.log)")
        let second = try await NotifyProcess.run(
            ["serve", "--port", port], databaseURL: database, environment: PipelineProcessTests.keys)
        #expect(second.status == 1, "\(second.log)")
        #expect(second.log.contains("Error: a port this command listens on is already in use"), "\(second.log)")
        #expect(!second.log.contains("notify serve is up"), "\(second.log)")
    }

    @Test("listing the schedules of a tenant that does not exist says so instead of an empty table")
    func schedulesOfAnUnknownTenant() async throws {
        let database = try await TestCluster.freshDatabase().secretURLString
        let result = try await NotifyProcess.run(["schedules", "list", "--tenant", "nosuch"], databaseURL: database)
        #expect(result.status == 1, "\(result.log)")
        #expect(result.log.contains(#"error: tenant "nosuch" does not exist"#), "\(result.log)")
    }
}
