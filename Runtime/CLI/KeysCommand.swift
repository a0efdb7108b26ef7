import ArgumentParser
import Foundation
import NotifyAPI

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage API keys and OAuth clients.",
        subcommands: [Create.self, Revoke.self, CreateClient.self, Generate.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key for a tenant and print it (shown once; only its hash is stored).")

        @Option(help: "The tenant.")
        var tenant: String

        @Option(help: "A name to recognise the key by.")
        var name = "default"

        func run() async throws {
            let environment = CommandEnvironment()
            let url = try environment.resolveDatabase()
            let key = try await withPostgresClient(url, logger: environment.logger) { client in
                try await AdminErrors.run {
                    try await TenantAdmin(client: client, logger: environment.logger).createKey(
                        tenantID: tenant, name: name)
                }
            }
            print(key.plaintext)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API key (by its id or full text).")

        @Argument(help: "The key id (12 characters after nk_) or the whole key.")
        var key: String

        func run() async throws {
            let environment = CommandEnvironment()
            let url = try environment.resolveDatabase()
            let found = try await withPostgresClient(url, logger: environment.logger) { client in
                try await TenantAdmin(client: client, logger: environment.logger).revokeKey(key)
            }
            guard found else { fail("no API key with that id") }
            print("revoked")
        }
    }

    struct CreateClient: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-client",
            abstract: "Create an OAuth2 client (client-credentials grant) and print its secret (shown once).",
            discussion: """
                Exchange it for a short-lived access token:
                  curl -u CLIENT_ID:SECRET -d grant_type=client_credentials http://127.0.0.1:8080/oauth/token
                """)

        @Option(help: "The tenant.")
        var tenant: String

        @Option(help: "A name to recognise the client by.")
        var name = "default"

        func run() async throws {
            let environment = CommandEnvironment()
            let url = try environment.resolveDatabase()
            let secret = try await withPostgresClient(url, logger: environment.logger) { client in
                try await AdminErrors.run {
                    try await TenantAdmin(client: client, logger: environment.logger).createClient(
                        tenantID: tenant, name: name)
                }
            }
            print("client_id: \(secret.id)")
            print("client_secret: \(secret.plaintext)")
        }
    }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print fresh values for NOTIFY_ENCRYPTION_KEYS, NOTIFY_LOOKUP_KEY and NOTIFY_TOKEN_KEY.")

        func run() async throws { print(EngineSecrets.generate()) }
    }
}
