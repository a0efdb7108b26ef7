import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `notify`: the notification engine's command-line interface.
@main
struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "A self-hosted notification engine on PostgreSQL.",
        discussion: """
            Start everything on a laptop:   notify dev
            Run some functions in a worker: notify work --functions send-sms,send-email
            Run one function once:          notify invoke noop --input event.json
            Serve the HTTP API alone:       notify serve --port 8080
            Onboard a tenant:               notify tenants create acme
            Give it an API key:             notify keys create --tenant acme

            Commands that use a database read DATABASE_URL (postgres://user:password@host:5432/db). \
            Without it, `dev` and `bench` start a private PostgreSQL from the installed server \
            binaries, and the other commands use the cluster of a running `notify dev`. \
            Every setting is listed in README.md under "Configuration".
            """,
        subcommands: [
            DevCommand.self, WorkCommand.self, MigrateCommand.self, InvokeCommand.self, QueuesCommand.self,
            DeadCommand.self, BenchCommand.self, ServeCommand.self, TenantsCommand.self, KeysCommand.self,
            SendCommand.self, StatusCommand.self, SandboxCommand.self, CampaignCommand.self, SchedulesCommand.self,
        ]
    )

    /// Runs the command; with `NOTIFY_NIO_EXECUTOR=on`, Swift Concurrency's jobs run on SwiftNIO's
    /// event loop threads. A step of the pipeline is a chain of database round trips: with one
    /// pool of threads, a reply from PostgreSQL resumes the task waiting for it on the thread that
    /// read it, instead of waking a thread of a second pool (that hand-over was the largest cost in
    /// the engine's profile). It is off by default because it also puts every job's CPU work on
    /// the threads that do everyone's I/O, and ignores task priorities: during a campaign, a
    /// one-time passcode waited three times longer. Turn it on for processes that run no campaign
    /// work: `notify serve`, `notify work --max-lane critical`.
    static func main() async {
        EnvironmentSwitches.normalize()
        if ProcessInfo.processInfo.environment["NOTIFY_NIO_EXECUTOR"] == "on" {
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        var parsed: (any ParsableCommand)?
        do {
            var command = try parseAsRoot()
            parsed = command
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ValidationError {
            guard let parsed else { exit(withError: error) }
            // A check made once the command runs: name the subcommand's usage, not the root's.
            let subcommand = type(of: parsed)
            FileHandle.standardError.write(
                Data("Error: \(error.message)\nUsage: \(usageString(for: subcommand))\n".utf8))
            Foundation.exit(64)
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            FileHandle.standardError.write(
                Data(
                    ("Error: a port this command listens on is already in use (another notify dev, serve, work "
                        + "or sandbox?); choose another with the command's port options (see --help)\n").utf8))
            Foundation.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}
