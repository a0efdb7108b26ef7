import ArgumentParser

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
            Onboard a tenant:               notify tenants create acme && notify keys create --tenant acme

            Commands that use a database read DATABASE_URL (postgres://user:password@host:5432/db).
            Without it, `dev` and `bench` start a private PostgreSQL from the installed server
            binaries, and the other commands use the cluster of a running `notify dev`.
            Every setting is listed in README.md under "Configuration".
            """,
        subcommands: [
            DevCommand.self, WorkCommand.self, MigrateCommand.self, InvokeCommand.self, QueuesCommand.self,
            DeadCommand.self, BenchCommand.self, ServeCommand.self, TenantsCommand.self, KeysCommand.self,
            SendCommand.self, StatusCommand.self, SandboxCommand.self, CampaignCommand.self,
        ]
    )
}
