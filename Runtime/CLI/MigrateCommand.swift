import ArgumentParser
import NotifyRuntime

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the database migrations (safe to run from several processes at once).")

    func run() async throws {
        let environment = CommandEnvironment()
        let url = try environment.resolveDatabase()
        let applied = try await withPostgresClient(url, logger: environment.logger) { client in
            try await Migrator(client: client, logger: environment.logger).migrate()
        }
        if applied.isEmpty {
            print("database \(url.database) is up to date")
        } else {
            for migration in applied { print("applied \(migration.version) \(migration.name)") }
        }
    }
}
