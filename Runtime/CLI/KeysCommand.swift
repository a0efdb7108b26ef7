import ArgumentParser
import Foundation
import NotifyAPI
import NotifyModel

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
        static let configuration = CommandConfiguration(
            abstract: "Revoke an API key (by its id or full text).",
            discussion: """
                Requests with a revoked key are refused with 401 from then on. Revoking a key that \
                is revoked already changes nothing: the command says so, with the time it was \
                revoked, and exits 0 (the key is revoked either way, so a script may repeat it). \
                A key id that does not exist is an error (exit 1).
                """)

        @Argument(help: "The key id (12 characters after nk_) or the whole key.")
        var key: String

        func validate() throws {
            // A whole key that does not parse is refused here, without repeating its secret.
            guard key.hasPrefix(APIKey.prefix + "_") else { return }
            do {
                _ = try APIKey.parse(key)
            } catch {
                throw ValidationError(error.message)
            }
        }

        func run() async throws {
            let environment = CommandEnvironment()
            let url = try environment.resolveDatabase()
            let outcome = try await withPostgresClient(url, logger: environment.logger) { client in
                try await TenantAdmin(client: client, logger: environment.logger).revoke(key: key)
            }
            let id = (try? APIKey.parse(key).id) ?? key
            switch outcome {
            case .revoked:
                print("revoked key \(id)")
            case .alreadyRevoked(let since):
                print(
                    "key \(id) was already revoked (at \(ISO8601DateFormatter().string(from: since))); nothing changed")
            case .unknown:
                fail("no API key with id \"\(id.prefix(40))\" exists; the id is the 12 characters after nk_ in the key")
            }
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
