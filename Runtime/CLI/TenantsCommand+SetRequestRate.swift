import ArgumentParser
import NotifyAPI

extension TenantsCommand {
    struct SetRequestRate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-request-rate",
            abstract: "Set how many API requests a second a tenant may make.",
            discussion: """
                The limit holds across every API process, with a burst of twice the rate; beyond it \
                the API answers 429 rate_limited with Retry-After. New tenants get 200. A lower rate \
                holds at once; the inbox's per-user limit is NOTIFY_INBOX_REQUESTS_PER_SECOND.
                """)

        @Argument(help: "The tenant id.")
        var id: String

        @Argument(help: "Requests per second, 1 to 1000000000.")
        var perSecond: Int

        func validate() throws {
            guard (1...TenantAdmin.maximumRequestsPerSecond).contains(perSecond) else {
                throw ValidationError(
                    "the rate must be 1 to \(TenantAdmin.maximumRequestsPerSecond) requests a second; got \(perSecond)")
            }
        }

        func run() async throws {
            let environment = CommandEnvironment()
            let url = try environment.resolveDatabase()
            try await withPostgresClient(url, logger: environment.logger) { client in
                try await AdminErrors.run {
                    try await TenantAdmin(client: client, logger: environment.logger).setRequestRate(
                        tenantID: id, perSecond)
                }
            }
            print(
                "tenant \(id): at most \(perSecond) API requests a second (a burst of \(perSecond * 2)), across every API process"
            )
        }
    }
}
