import Foundation
import NotifyAPI
import NotifyModel
import NotifyTestSupport
import PostgresNIO
import Testing

/// `TenantAdmin.createTenant` checks the default locale and time zone by the rules users' own
/// locale and zone follow, whoever calls it (the CLI, `notify dev`, a benchmark).
@Suite("tenant creation checks its defaults", .timeLimit(.minutes(2)))
struct TenantAdminTests {
    /// The model error `body` throws; nil (and a failed expectation) when it succeeds or throws
    /// something else.
    static func refusal(_ body: () async throws -> String) async -> ModelError? {
        do {
            _ = try await body()
            Issue.record("expected a refusal, but the tenant was created")
        } catch let error as ModelError {
            return error
        } catch {
            Issue.record("expected a ModelError, got \(error)")
        }
        return nil
    }

    @Test("a locale that is not one is refused as invalid_locale, and nothing is stored")
    func refusesALocale() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            let admin = TenantAdmin(client: client, logger: TestCluster.logger)
            for locale in ["english", "en-", "", "en US", "x"] {
                let error = await Self.refusal {
                    try await admin.createTenant(id: "acme", name: "Acme", defaultLocale: locale)
                }
                #expect(error?.code == "invalid_locale", "\(locale)")
                #expect(error?.message.contains("is not a locale") == true, "\(String(describing: error))")
            }
            let created = try await admin.tenantExists("acme")
            #expect(!created)
        }
    }

    @Test("a zone that is not one is refused as unknown_timezone, and nothing is stored")
    func refusesAZone() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            let admin = TenantAdmin(client: client, logger: TestCluster.logger)
            for zone in ["Mars/Olympus", "GMT+2", ""] {
                let error = await Self.refusal {
                    try await admin.createTenant(id: "acme", name: "Acme", defaultTimeZone: zone)
                }
                #expect(error?.code == "unknown_timezone", "\(zone)")
            }
            let created = try await admin.tenantExists("acme")
            #expect(!created)
        }
    }

    @Test("valid defaults are stored as users' are: the locale in canonical casing, the zone trimmed")
    func storesCanonicalDefaults() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            let admin = TenantAdmin(client: client, logger: TestCluster.logger)
            _ = try await admin.createTenant(
                id: "acme", name: "Acme", defaultLocale: " pt_br ", defaultTimeZone: " Europe/Berlin ")
            let row = try await client.query(
                "SELECT default_locale, default_timezone FROM notify.tenants WHERE id = 'acme'",
                logger: TestCluster.logger
            ).collect()
            let (locale, zone) = try #require(row.first).decode((String, String).self)
            #expect(locale == "pt-BR")
            #expect(zone == "Europe/Berlin")
        }
    }
}
