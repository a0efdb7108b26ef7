import ArgumentParser
import Foundation
import NotifyAPI
import NotifyModel

struct TenantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenants", abstract: "Manage tenants.",
        subcommands: [
            Create.self, List.self, SetTimeZone.self, SetRetention.self, RotateInboxSecret.self,
            SetInboxAuth.self, SetRequestRate.self,
        ])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a tenant and print its inbox secret (shown once).",
            discussion: """
                The inbox secret lets the tenant's backend sign its end users' inbox access:
                signature = hex(HMAC-SHA256(secret, user id)). Then create an API key:
                  notify keys create --tenant ID
                """)

        @Argument(help: "The tenant id: 2 to 63 lowercase letters, digits, '_' or '-'.")
        var id: String

        @Option(help: "A display name (default: the id).")
        var name: String?

        @Option(help: "The locale templates fall back to.")
        var defaultLocale = "en"

        @Option(
            help:
                "The IANA time zone of users who have none, for local-time sends and quiet hours (such as Europe/Berlin)."
        )
        var timezone = "UTC"

        func validate() throws {
            try TenantsCommand.check(id: id)
            try TenantsCommand.check(timezone: timezone)
            do {
                _ = try ContactValidation.locale(defaultLocale)
            } catch {
                throw ValidationError(
                    "--default-locale \"\(defaultLocale.prefix(64))\" is not a locale; \(error.message)")
            }
        }

        func run() async throws {
            let environment = CommandEnvironment()
            let url = try environment.resolveDatabase()
            let secret = try await withPostgresClient(url, logger: environment.logger) { client in
                try await AdminErrors.run {
                    try await TenantAdmin(client: client, logger: environment.logger).createTenant(
                        id: id, name: name ?? id, defaultLocale: try ContactValidation.locale(defaultLocale),
                        defaultTimeZone: timezone)
                }
            }
            print("tenant \(id) created")
            print("inbox secret (shown once; keep it on your backend): \(secret)")
        }
    }
}

extension TenantsCommand {
    struct SetTimeZone: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-timezone",
            abstract: "Set the time zone of a tenant's users who have none.",
            discussion: """
                Used for local-time sends (send_at_local) and quiet hours of users without a zone \
                of their own. Sends already planned keep their instants.
                """)

        @Argument(help: "The tenant id.")
        var id: String

        @Argument(help: "An IANA time zone, such as Europe/Berlin or America/New_York.")
        var timezone: String

        func validate() throws { try TenantsCommand.check(timezone: timezone) }

        func run() async throws {
            let environment = CommandEnvironment()
            let url = try environment.resolveDatabase()
            try await withPostgresClient(url, logger: environment.logger) { client in
                try await AdminErrors.run {
                    try await TenantAdmin(client: client, logger: environment.logger).setDefaultTimeZone(
                        tenantID: id, timezone)
                }
            }
            print("tenant \(id): users without a time zone now use \(timezone)")
        }
    }
}

extension TenantsCommand {
    struct SetRetention: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-retention",
            abstract: "Set how long a tenant's notification records are kept.",
            discussion: """
                The leader's tick deletes the tenant's finished notifications older than this, \
                with their deliveries, timeline events and closed digests (about 1,700 a second \
                on two cores). Inbox items stay. Without a retention ("keep", the default) records \
                are kept. Frequency caps count only the deliveries kept, so keep at least their \
                longest window.
                """)

        @Argument(help: "The tenant id.")
        var id: String

        @Argument(help: "Days (1 to 3650), or \"keep\" to keep records.")
        var days: String

        /// The days, nil for "keep"; anything else is a usage error.
        var parsed: Int? {
            get throws {
                if days == "keep" { return nil }
                guard let number = Int(days), (1...TenantAdmin.maximumRetentionDays).contains(number) else {
                    throw ValidationError(
                        "days must be a number of days (1 to \(TenantAdmin.maximumRetentionDays)) or \"keep\"; got \"\(days)\""
                    )
                }
                return number
            }
        }

        func validate() throws { _ = try parsed }

        func run() async throws {
            let parsed = try self.parsed
            let environment = CommandEnvironment()
            let url = try environment.resolveDatabase()
            try await withPostgresClient(url, logger: environment.logger) { client in
                try await AdminErrors.run {
                    try await TenantAdmin(client: client, logger: environment.logger).setRetention(
                        tenantID: id, days: parsed)
                }
            }
            print(
                parsed.map { "tenant \(id): finished notifications are deleted after \($0) days" }
                    ?? "tenant \(id): notification records are kept")
        }
    }
}

extension TenantsCommand {
    /// A tenant id as the database accepts it (`notify.tenants.id`'s check).
    static func check(id: String) throws {
        guard id.wholeMatch(of: /[a-z0-9][a-z0-9_-]{1,62}/) != nil else {
            throw ValidationError(
                "tenant ids are 2 to 63 lowercase letters, digits, '_' or '-', starting with a letter or digit (got \"\(id.prefix(70))\")"
            )
        }
    }

    /// A time zone the system knows, as users' zones are checked.
    static func check(timezone: String) throws {
        do {
            _ = try ContactValidation.timeZone(timezone)
        } catch {
            throw ValidationError("\"\(timezone.prefix(64))\" is not a time zone; \(error.message)")
        }
    }
}

/// Prints model errors as one sentence and exits 1.
enum AdminErrors {
    static func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as ModelError { fail(error.message) }
    }
}

extension TenantsCommand {
    struct RotateInboxSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-inbox-secret",
            abstract: "Replace a tenant's inbox secret and print the new one (shown once).",
            discussion: """
                Sign end users' inbox access with the new secret from now on. Signatures made with \
                the replaced one keep working for --keep-previous-hours (default 24), so clients can \
                fetch new ones; 0 ends them at once, for a secret that leaked. A secret replaced \
                earlier stops now.
                """)

        @Argument(help: "The tenant id.")
        var id: String

        @Option(help: "Hours the replaced secret's signatures stay valid (0 to 720).")
        var keepPreviousHours = 24

        func validate() throws {
            guard (0...TenantAdmin.maximumInboxSecretOverlapHours).contains(keepPreviousHours) else {
                throw ValidationError(
                    "--keep-previous-hours must be 0 to \(TenantAdmin.maximumInboxSecretOverlapHours); got \(keepPreviousHours)"
                )
            }
        }

        func run() async throws {
            let environment = CommandEnvironment()
            let url = try environment.resolveDatabase()
            let secret = try await withPostgresClient(url, logger: environment.logger) { client in
                try await AdminErrors.run {
                    try await TenantAdmin(client: client, logger: environment.logger).rotateInboxSecret(
                        tenantID: id, keepingPreviousFor: keepPreviousHours)
                }
            }
            print("tenant \(id): new inbox secret (shown once; keep it on your backend): \(secret)")
            print(
                keepPreviousHours == 0
                    ? "signatures made with the replaced secret no longer pass"
                    : "signatures made with the replaced secret pass for \(keepPreviousHours) more hours")
        }
    }
}

extension TenantsCommand {
    struct SetInboxAuth: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-inbox-auth",
            abstract: "Choose how the tenant's end users authenticate to the inbox.",
            discussion: """
                signature_or_token (the default): a signature, hex(HMAC-SHA256(secret, user id)), which \
                never expires, or an expiring token. token: only tokens, JWTs signed with HS256 under \
                the inbox secret's bytes with the user in sub and an exp, sent as X-Notify-Token.
                """)

        @Argument(help: "The tenant id.")
        var id: String

        @Argument(help: "signature_or_token or token.")
        var mode: String

        func validate() throws {
            guard TenantAdmin.inboxAuthModes.contains(mode) else {
                throw ValidationError(
                    "the mode must be \(TenantAdmin.inboxAuthModes.joined(separator: " or ")); got \"\(mode.prefix(40))\""
                )
            }
        }

        func run() async throws {
            let environment = CommandEnvironment()
            let url = try environment.resolveDatabase()
            try await withPostgresClient(url, logger: environment.logger) { client in
                try await AdminErrors.run {
                    try await TenantAdmin(client: client, logger: environment.logger).setInboxAuth(tenantID: id, mode)
                }
            }
            print(
                mode == "token"
                    ? "tenant \(id): the inbox takes only expiring tokens (X-Notify-Token) from now on"
                    : "tenant \(id): the inbox takes signatures or expiring tokens")
        }
    }
}
