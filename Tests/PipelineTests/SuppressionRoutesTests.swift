import Foundation
import NotifyModel
import PostgresNIO
import Testing

/// `/v1/users/{user}/suppressions`: the support desk sees why a user's email or SMS is not sent,
/// suppresses an address by hand and lifts a suppression; `preference-filter` follows each change.
@Suite(.serialized) struct SuppressionRoutesTests {
    @Test func aSuppressionPutByTheAPIDropsSendsAndItsRemovalLetsThemThrough() async throws {
        try await PreferenceRuleTests().withCase { test in
            let engine = test.engine
            let acme = test.tenant
            try expect(try await engine.put("/v1/users/ada", acme, ["email": "ada@example.com"]), [200])
            #expect(
                (try await engine.get("/v1/users/ada/suppressions", acme).json["suppressions"] as? [Any])?.isEmpty
                    == true)

            let put = try await engine.put("/v1/users/ada/suppressions/email", acme, ["reason": "user_request"])
            #expect(put.status == 201)
            #expect(put.json["reason"] as? String == "user_request")
            // Again: the existing one, unchanged.
            let again = try await engine.put("/v1/users/ada/suppressions/email", acme, ["reason": "other"])
            #expect(again.status == 200)
            #expect(again.json["reason"] as? String == "user_request")
            let listed =
                try await engine.get("/v1/users/ada/suppressions", acme).json["suppressions"] as? [[String: Any]]
            #expect(listed?.map { $0["channel"] as? String } == ["email"])
            #expect(listed?.first?["reason"] as? String == "user_request")
            // The row holds the address's keyed hash, as a bounce would have stored it.
            #expect(
                try await engine.runtime.count(
                    "SELECT count(*)::int FROM notify.suppressions WHERE address_hash = \(Data(engine.dependencies.hasher.hash("ada@example.com", channel: .email)))"
                ) == 1)
            let suppressed = try await test.filter(user: "ada", channel: .email, now: PreferenceRuleTests.noon)
            #expect(suppressed.reason == "suppressed")

            let removed = try await engine.delete("/v1/users/ada/suppressions/email", acme)
            #expect(removed.status == 200)
            #expect(removed.json["removed"] as? Bool == true)
            let sent = try await test.filter(user: "ada", channel: .email, now: PreferenceRuleTests.noon)
            #expect(sent.status == "pending")
            let gone = try await engine.delete("/v1/users/ada/suppressions/email", acme)
            #expect(gone.status == 404)
            #expect(gone.json["code"] as? String == "suppression_not_found")
        }
    }

    @Test func aBounceSuppressionIsSeenThroughTheUserAndFollowsTheAddressNotTheUser() async throws {
        try await PreferenceRuleTests().withCase { test in
            let engine = test.engine
            let acme = test.tenant
            try expect(try await engine.put("/v1/users/ada", acme, ["email": "ada@example.com"]), [200])
            let hash = Data(engine.dependencies.hasher.hash("ada@example.com", channel: .email))
            try await engine.runtime.client.query(
                "INSERT INTO notify.suppressions (tenant_id, channel, address_hash, reason) VALUES ('acme', 'email', \(hash), 'hard_bounce')",
                logger: engine.runtime.logger)
            let listed =
                try await engine.get("/v1/users/ada/suppressions", acme).json["suppressions"] as? [[String: Any]]
            #expect(listed?.first?["reason"] as? String == "hard_bounce")
            // A new address is not suppressed; the old one stays suppressed for whoever has it.
            try expect(try await engine.put("/v1/users/ada", acme, ["email": "ada@new.example"]), [200])
            #expect(
                (try await engine.get("/v1/users/ada/suppressions", acme).json["suppressions"] as? [Any])?.isEmpty
                    == true)
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.suppressions") == 1)
        }
    }

    @Test func badInputsAndOtherTenantsAreRefusedWithWhatToFix() async throws {
        try await PreferenceRuleTests().withCase { test in
            let engine = test.engine
            let acme = test.tenant
            // ada has no phone yet.
            let noPhone = try await engine.put("/v1/users/ada/suppressions/sms", acme, [:] as [String: Any])
            #expect(noPhone.status == 409)
            #expect(noPhone.json["code"] as? String == "no_address")
            #expect((noPhone.json["detail"] as? String)?.contains("PUT /v1/users/ada") == true)
            let push = try await engine.put("/v1/users/ada/suppressions/push", acme, [:] as [String: Any])
            #expect(push.json["code"] as? String == "invalid_channel")
            try expect(try await engine.put("/v1/users/ada", acme, ["phone": "+14155550100"]), [200])
            let badReason = try await engine.put("/v1/users/ada/suppressions/sms", acme, ["reason": "Not Wanted!"])
            #expect(badReason.json["code"] as? String == "invalid_reason")
            let unknownField = try await engine.put("/v1/users/ada/suppressions/sms", acme, ["why": "x"])
            #expect(unknownField.status == 400)
            let nobody = try await engine.get("/v1/users/nobody/suppressions", acme)
            #expect(nobody.json["code"] as? String == "user_not_found")
            try expect(try await engine.put("/v1/users/ada/suppressions/sms", acme, [:] as [String: Any]), [201])
            // Another tenant's user of the same id is another user.
            let globex = try await engine.tenant("globex")
            #expect(
                (try await engine.get("/v1/users/ada/suppressions", globex).json["suppressions"] as? [Any])?.isEmpty
                    == true)
            #expect(try await engine.delete("/v1/users/ada/suppressions/sms", globex).status == 409)
            let kept = try await engine.get("/v1/users/ada/suppressions", acme).json["suppressions"] as? [[String: Any]]
            #expect(kept?.first?["reason"] as? String == "manual")
        }
    }
}
