import Foundation
import NotifyProviders
import NotifySandbox
import NotifyTestSupport
import PostgresNIO
import Testing

/// APNs answers `BadDeviceToken` both for a bad token and for every token when the account points
/// at the other environment (reference §4.3, §6). A device is invalidated only once the account
/// has had a push accepted in its current configuration; before that the answer is an alert.
@Suite("APNs BadDeviceToken and the account's environment")
struct APNsEnvironmentTests {
    static let badToken = "40040040" + String(repeating: "ab", count: 28)

    @Test(
        "Before any push is accepted, BadDeviceToken keeps the device and alerts; afterwards it invalidates the device")
    func badDeviceTokenWaitsForAProvenAccount() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant(fcmToken: nil, apnsToken: Self.badToken)
            let first = try await engine.notify(
                tenant, ["category": "alert", "to": ["user": "ada"], "data": ["what": "first"]])
            // Every attempt is refused and none proves the account: the push fails, SMS takes over.
            let view = try await engine.waitFor(
                tenant, first, channel: "sms", status: "delivered", timeout: .seconds(40))
            #expect((view["channels"] as? [String: [String: Int]])?["push"]?["failed"] == 1)
            #expect(!engine.timelineKinds(view).contains("device_invalidated"))
            #expect(
                try await engine.runtime.count("SELECT count(*) FROM notify.devices WHERE invalidated_at IS NOT NULL")
                    == 0, "the device is kept while the account's environment is in doubt")
            let circuit = try await engine.runtime.rows(
                "SELECT last_error, accepted_revision IS NULL FROM notify.provider_circuits WHERE account_id = 'sbx-apns'"
            )
            let (lastError, unproven) = try #require(circuit.first).decode((String?, Bool).self)
            #expect(lastError == "apns_BadDeviceToken")
            #expect(unproven)

            // A second, good device: its push is accepted (the circuit's probe takes each device
            // in turn), which proves the account; from the next push on, the bad token is
            // invalidated.
            try await expect(
                engine.post(
                    "/v1/users/ada/devices", tenant, ["platform": "apns", "token": String(repeating: "cd", count: 32)]),
                [201])
            let second = try await engine.notify(
                tenant, ["category": "alert", "to": ["user": "ada"], "data": ["what": "second"]])
            try await engine.waitFor(tenant, second, channel: "push", status: "sent", timeout: .seconds(30))
            _ = try await engine.notify(
                tenant, ["category": "alert", "to": ["user": "ada"], "data": ["what": "third"]])
            let invalidated = try await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
                try await engine.runtime.count(
                    "SELECT count(*) FROM notify.devices WHERE invalidated_at IS NOT NULL AND invalid_reason = 'apns_BadDeviceToken'"
                ) == 1
            }
            #expect(invalidated, "the bad token is invalidated once the account is proven")
            #expect(
                try await engine.runtime.count(
                    "SELECT count(*) FROM notify.provider_circuits WHERE account_id = 'sbx-apns' AND accepted_revision IS NOT NULL"
                ) == 1)
            #expect(
                try await engine.runtime.count("SELECT count(*) FROM notify.devices WHERE invalidated_at IS NULL") == 1,
                "the good device stays")
        }
    }

    @Test("A 410 invalidates a token registered before APNs' timestamp, not one the app registered again after it")
    func unregisteredComparesRegistrationTime() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant(
                fcmToken: nil, apnsToken: "41041041" + String(repeating: "0", count: 56))
            // The app registered the token again after APNs' confirmation (the sandbox's 410 says "now").
            _ = try await engine.runtime.count("UPDATE notify.devices SET registered_at = now() + interval '1 hour'")
            let first = try await engine.notify(
                tenant, ["category": "alert", "to": ["user": "ada"], "data": ["what": "first"]])
            let view = try await engine.waitFor(tenant, first, channel: "sms", status: "delivered")
            #expect((view["channels"] as? [String: [String: Int]])?["push"]?["failed"] == 1, "not retried as is")
            #expect(!engine.timelineKinds(view).contains("device_invalidated"))
            #expect(
                try await engine.runtime.count("SELECT count(*) FROM notify.devices WHERE invalidated_at IS NULL") == 1)
            // Registered before APNs' confirmation: invalidated.
            _ = try await engine.runtime.count("UPDATE notify.devices SET registered_at = now() - interval '1 hour'")
            let second = try await engine.notify(
                tenant, ["category": "alert", "to": ["user": "ada"], "data": ["what": "second"]])
            let later = try await engine.waitFor(tenant, second, channel: "sms", status: "delivered")
            #expect(engine.timelineKinds(later).contains("device_invalidated"))
            #expect(
                try await engine.runtime.count(
                    "SELECT count(*) FROM notify.devices WHERE invalid_reason = 'apns_Unregistered'") == 1)
        }
    }

    @Test("Changing the account puts its environment in doubt again")
    func changedAccountIsUnprovenAgain() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant(fcmToken: nil)
            let id = try await engine.notify(
                tenant, ["category": "alert", "to": ["user": "ada"], "data": ["what": "a"]])
            try await engine.waitFor(tenant, id, channel: "push", status: "sent")
            let proven: PostgresQuery = """
                SELECT count(*) FROM notify.provider_circuits c JOIN notify.provider_accounts a ON a.id = c.account_id
                WHERE c.account_id = 'sbx-apns' AND c.accepted_revision = a.updated_at
                """
            #expect(
                try await eventually(timeout: .seconds(10), every: .milliseconds(50)) {
                    try await engine.runtime.count(proven) == 1
                })
            _ = try await engine.runtime.count(
                "UPDATE notify.provider_accounts SET updated_at = now() WHERE id = 'sbx-apns'")
            #expect(try await engine.runtime.count(proven) == 0)
        }
    }
}
