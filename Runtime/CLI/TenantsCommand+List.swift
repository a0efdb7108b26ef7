import ArgumentParser
import Foundation
import NotifyAPI

extension TenantsCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "Every tenant and its settings (never its secrets).")

        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let environment = CommandEnvironment()
            let url = try environment.resolveDatabase()
            let tenants = try await withPostgresClient(url, logger: environment.logger) { client in
                try await TenantAdmin(client: client, logger: environment.logger).listTenants()
            }
            if json {
                print(try CampaignCommand.json(tenants))
                return
            }
            let rows = tenants.map { tenant in
                [
                    tenant.id, tenant.name, String(tenant.requestsPerSecond), tenant.defaultLocale,
                    tenant.defaultTimeZone, tenant.retentionDays.map { "\($0) days" } ?? "kept",
                    tenant.inboxAuth, tenant.createdAt.formatted(.iso8601),
                ]
            }
            print(
                Table(
                    header: ["ID", "NAME", "REQUESTS/S", "LOCALE", "TIMEZONE", "RETENTION", "INBOX AUTH", "CREATED"],
                    rows: rows
                ).render())
        }
    }
}
