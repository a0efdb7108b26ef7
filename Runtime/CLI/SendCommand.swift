import ArgumentParser
import Foundation
import NotifyAPI
import NotifyRuntime
import PostgresNIO

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send", abstract: "Send a notification (a producer for scripts); prints its id.",
        discussion: """
            Calls the SQL producer notify.send(...) — the same function applications call inside \
            their own transactions. Example:
              notify send --tenant demo --category welcome --user demo-user --data '{"name":"Ada"}'
            Follow it with: notify status ID --tenant demo
            """)

    @Option(help: "The tenant.") var tenant: String
    @Option(help: "The category key.") var category: String
    @Option(parsing: .upToNextOption, help: "Recipient user ids (one or more).") var user: [String] = []
    @Option(help: "A topic to broadcast to (instead of --user).") var topic: String?
    @Option(help: "Template data as a JSON object.") var data = "{}"
    @Option(help: "A template key (default: the category's).") var template: String?
    @Option(help: "Comma-separated channels (default: the category's).") var channels: String?
    @Option(help: "ISO 8601 time to send at, such as 2026-11-24T09:00:00Z.") var sendAt: String?
    @Option(help: "critical, transactional or bulk.") var priority: String?
    @Option(help: "An idempotency key: sending again with it returns the first notification.") var idempotencyKey:
        String?

    func run() async throws {
        guard (try? JSONSerialization.jsonObject(with: Data(data.utf8))) is [String: Any] else {
            throw ValidationError("--data must be a JSON object, such as '{\"name\":\"Ada\"}'")
        }
        if let priority, !["critical", "transactional", "bulk"].contains(priority) {
            throw ValidationError("--priority must be critical, transactional or bulk; got \"\(priority)\"")
        }
        guard user.isEmpty == (topic != nil) else {
            throw ValidationError("name the recipients with --user ID [ID …] or with --topic KEY, one of the two")
        }
        let when = try sendAt.map { text in
            guard let parsed = try? Date(text, strategy: .iso8601) else {
                throw ValidationError("--send-at must be an ISO 8601 time such as 2026-11-24T09:00:00Z")
            }
            return parsed
        }
        let environment = CommandEnvironment()
        let url = try environment.resolveDatabase()
        let users = user.isEmpty ? nil : user
        let channelList = channels?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let (id, replayed) = try await withPostgresClient(url, logger: environment.logger) { client in
            do {
                // A key seen before answers the first notification: say so, as the API's
                // Idempotent-Replayed does.
                var earlier = false
                if let idempotencyKey {
                    earlier = try await !client.query(
                        """
                        SELECT 1 FROM notify.notifications WHERE tenant_id = \(tenant) AND idempotency_key = \(idempotencyKey)
                        """, logger: environment.logger
                    ).collect().isEmpty
                }
                let rows = try await client.query(
                    """
                    SELECT notify.send(\(tenant), \(category), \(users), \(data)::jsonb, \(topic), \(template),
                                       \(channelList), \(when), \(priority), \(idempotencyKey))
                    """, logger: environment.logger)
                for try await id in rows.decode(UUID.self) { return (id, earlier) }
                fail("notify.send returned nothing")
            } catch let error as PSQLError {
                fail(error.serverInfo?[.message] ?? LogSafeError.message(error))
            }
        }
        print(id.uuidString.lowercased())
        if replayed {
            FileHandle.standardError.write(
                Data("replayed: the idempotency key names this earlier notification; nothing new was sent\n".utf8))
        }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Print a notification's per-channel status and timeline (JSON).")

    @Argument(help: "The notification id.") var id: String
    @Option(help: "The tenant.") var tenant: String

    func run() async throws {
        guard let uuid = UUID(uuidString: id) else { throw ValidationError("the id must be a UUID") }
        let environment = CommandEnvironment()
        let url = try environment.resolveDatabase()
        let text = try await withPostgresClient(url, logger: environment.logger) { client in
            try await NotificationStatus.json(id: uuid, tenantID: tenant, client: client, logger: environment.logger)
        }
        guard let text else { fail("tenant \(tenant) has no notification \(id)") }
        print(text)
    }
}
