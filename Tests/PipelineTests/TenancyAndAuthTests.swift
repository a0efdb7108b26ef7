import Foundation
import NotifyAPI
import NotifyModel
import NotifyTestSupport
import Testing

/// Authentication, tenant isolation, rate limits and problem+json errors over real HTTP.
@Suite(.serialized) struct TenancyAndAuthTests {
    @Test func aTenantCanNeverReadOrChangeAnotherTenantsData() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant("acme")
            let globex = try await engine.tenant("globex", seed: false)
            try expect(try await engine.put("/v1/topics/news", acme, ["name": "News"]), [201])
            try expect(try await engine.post("/v1/topics/news/subscribers", acme, ["users": ["ada"]]), [200])
            try expect(
                try await engine.post("/v1/users/ada/devices", acme, ["platform": "fcm", "token": "device-token-1"]),
                [201])
            let id = try await engine.notify(
                acme, ["category": "welcome", "to": ["user": "ada"], "data": ["name": "A"]])
            _ = try await engine.settled(acme, id)

            // Reads of acme's resources with globex's key: 404, as if they did not exist.
            for path in [
                "/v1/notifications/\(id)", "/v1/users/ada", "/v1/users/ada/preferences", "/v1/topics/news",
                "/v1/users/ada/digests",
            ] {
                let reply = try await engine.get(path, globex)
                #expect(reply.status == 404, "GET \(path)")
                #expect(reply.headers["content-type"] == "application/problem+json")
            }
            let categories = try await engine.get("/v1/categories", globex).json["categories"] as? [Any]
            #expect(categories?.isEmpty == true)
            let templates = try await engine.get("/v1/templates", globex).json["templates"] as? [Any]
            #expect(templates?.isEmpty == true)
            // Writes: cancel, delete, preferences, subscriptions, devices, sends to acme's users.
            #expect(try await engine.post("/v1/notifications/\(id)/cancel", globex).status == 404)
            #expect(try await engine.delete("/v1/users/ada", globex).status == 404)
            #expect(try await engine.put("/v1/users/ada/preferences", globex, ["channels": [:]]).status == 404)
            #expect(try await engine.post("/v1/topics/news/subscribers", globex, ["users": ["ada"]]).status == 404)
            #expect(try await engine.delete("/v1/topics/news/subscribers/ada", globex).status == 404)
            #expect(try await engine.delete("/v1/users/ada/devices/1", globex).status == 404)
            #expect(
                try await engine.post(
                    "/v1/users/ada/devices", globex, ["platform": "fcm", "token": "device-token-1"]
                ).status == 404)
            try expect(
                try await engine.put(
                    "/v1/categories/welcome", globex, ["kind": "transactional", "default_channels": ["inapp"]]),
                [201])
            try expect(
                try await engine.post("/v1/templates/welcome/inapp/en/versions?activate=true", globex, ["title": "x"]),
                [201])
            let send = try await engine.post(
                "/v1/notifications", globex, ["category": "welcome", "to": ["user": "ada"]])
            #expect(send.status == 422)
            #expect(send.json["code"] as? String == "unknown_user")
            // A PUT of "ada" under globex makes globex's own user, leaving acme's untouched.
            try expect(try await engine.put("/v1/users/ada", globex, ["email": "ada@globex.example"]), [201])
            #expect((try await engine.get("/v1/users/ada", acme).json["email"]) == nil)
            // The inbox: acme's user with globex's secret is refused.
            var forged = engine.inboxHeaders(acme, user: "ada")
            forged["X-Notify-Signature"] = InboxSignature.sign(userID: "ada", secret: globex.inboxSecret)
            #expect(try await engine.request(.GET, "/v1/inbox", headers: forged).status == 401)
        }
    }

    @Test func keysAreCheckedRevocableAndTokensWork() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            #expect(try await engine.get("/v1/categories", nil).status == 401)
            // Change the key's last character to a different one (a fixed replacement would equal the
            // real key whenever the key happens to end with it).
            let lastCharacter = acme.key.last
            let forged = Engine.Tenant(
                id: acme.id, key: String(acme.key.dropLast()) + (lastCharacter == "A" ? "B" : "A"),
                inboxSecret: acme.inboxSecret)
            #expect(forged.key != acme.key)
            let wrong = try await engine.get("/v1/categories", forged)
            #expect(wrong.status == 401)
            #expect(wrong.json["code"] as? String == "invalid_api_key")
            #expect(
                try await engine.runtime.count(
                    "SELECT count(*)::int FROM notify.api_keys WHERE encode(secret_hash, 'escape') LIKE '%' || \(String(acme.key.suffix(40))) || '%'"
                ) == 0)

            let admin = TenantAdmin(client: engine.runtime.client, logger: engine.runtime.logger)
            let client = try await admin.createClient(tenantID: "acme", name: "backend")
            let token = try await engine.request(
                .POST, "/oauth/token",
                headers: [
                    "Authorization": "Basic " + Data("\(client.id):\(client.plaintext)".utf8).base64EncodedString(),
                    "Content-Type": "application/x-www-form-urlencoded",
                ], body: Data("grant_type=client_credentials".utf8))
            try expect(token, [200])
            let accessToken = token.json["access_token"] as! String
            #expect(token.json["token_type"] as? String == "Bearer")
            let viaToken = try await engine.request(
                .GET, "/v1/categories", headers: ["Authorization": "Bearer \(accessToken)"])
            #expect(viaToken.status == 200)
            let badSecret = try await engine.request(
                .POST, "/oauth/token",
                headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: Data(
                    "grant_type=client_credentials&client_id=\(client.id)&client_secret=\(client.plaintext)x".utf8))
            #expect(badSecret.status == 401)
            #expect(badSecret.json["error"] as? String == "invalid_client")
            let asJSON = try await engine.request(
                .POST, "/oauth/token", headers: ["Content-Type": "application/json"],
                body: Data(#"{"grant_type":"client_credentials"}"#.utf8))
            #expect(asJSON.status == 400)
            #expect(asJSON.json["error"] as? String == "invalid_request")
            #expect((asJSON.json["error_description"] as? String)?.contains("form-encoded") == true)

            #expect(try await admin.revokeKey(acme.key))
            let revoked = try await engine.get("/v1/categories", acme)
            #expect(revoked.status == 401)
            #expect(revoked.json["code"] as? String == "api_key_revoked")
        }
    }

    @Test func badInputGetsProblemJSONThatSaysWhatToFix() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let auth = ["Authorization": "Bearer \(acme.key)"]
            let cases: [(Data, Int, String)] = [
                (Data("{\"category\": ".utf8), 400, "malformed_json"),
                (Data("{\"category\":\"welcome\"} trailing".utf8), 400, "malformed_json"),
                (Data("[{\"category\":\"welcome\"}]".utf8), 400, "invalid_body"),
                (Data("\"welcome\"".utf8), 400, "invalid_body"),
                (Data(repeating: UInt8(ascii: " "), count: 300 * 1024), 413, "body_too_large"),
                (Data("{\"category\":\"welcome\",\"to\":{\"user\":\"ada\"},\"sendAt\":1}".utf8), 400, "unknown_field"),
                (Data("{\"category\":\"welcome\",\"to\":{\"users\":\"ada\"}}".utf8), 400, "invalid_body"),
                (
                    Data("{\"category\":\"welcome\",\"to\":{\"user\":\"ada\",\"topic\":\"t\"}}".utf8), 400,
                    "invalid_recipients"
                ),
                (Data("{\"category\":\"nope\",\"to\":{\"user\":\"ada\"}}".utf8), 422, "unknown_category"),
                (
                    Data("{\"category\":\"welcome\",\"template\":\"nope\",\"to\":{\"user\":\"ada\"}}".utf8), 422,
                    "unknown_template"
                ),
                (Data("{\"category\":\"welcome\",\"to\":{\"topic\":\"nope\"}}".utf8), 422, "unknown_topic"),
                (
                    Data("{\"category\":\"welcome\",\"to\":{\"user\":\"ada\"},\"channels\":[\"fax\"]}".utf8), 400,
                    "unknown_channel"
                ),
                (
                    Data("{\"category\":\"welcome\",\"to\":{\"user\":\"ada\"},\"priority\":\"urgent\"}".utf8), 400,
                    "invalid_priority"
                ),
            ]
            for (body, status, code) in cases {
                let reply = try await engine.request(.POST, "/v1/notifications", headers: auth, body: body)
                #expect(reply.status == status, "\(code): \(reply.text)")
                #expect(reply.json["code"] as? String == code)
                #expect((reply.json["detail"] as? String)?.isEmpty == false)
                #expect(reply.headers["content-type"] == "application/problem+json")
            }
            let phone = try await engine.put("/v1/users/bob", acme, ["phone": "555-0100"])
            #expect(phone.json["code"] as? String == "invalid_phone_number")
            #expect(!(phone.text.contains("555-0100")))
            let zone = try await engine.put("/v1/users/bob", acme, ["timezone": "Mars/Olympus"])
            #expect(zone.json["code"] as? String == "invalid_timezone")
            let route = try await engine.get("/v1/nothing-here", acme)
            #expect(route.status == 404)
            #expect(route.json["code"] as? String == "no_such_route")
        }
    }

    @Test func aTenantOverItsRateGets429WithRetryAfter() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try await engine.runtime.client.query(
                "UPDATE notify.tenants SET requests_per_second = 2 WHERE id = 'acme'", logger: engine.runtime.logger)
            var statuses: [Int] = []
            var retryAfter: String?
            for _ in 0..<12 {
                let reply = try await engine.get("/v1/categories", acme)
                statuses.append(reply.status)
                if reply.status == 429 { retryAfter = reply.headers["retry-after"] }
            }
            #expect(statuses.contains(200))
            #expect(statuses.contains(429))
            #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 } == true)
        }
    }

    @Test func usersStoreContactPointsEncryptedAndDeletionErasesThem() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let put = try await engine.put(
                "/v1/users/ada", acme,
                ["email": "Ada@Example.COM", "phone": "+44 20 7946 0958", "data": ["plan": "pro"]])
            try expect(put, [200])
            #expect(put.json["email"] as? String == "Ada@example.com")
            #expect(put.json["phone"] as? String == "+442079460958")
            let leaked = try await engine.runtime.count(
                """
                SELECT count(*)::int FROM notify.users
                WHERE position('example' in encode(email_cipher, 'escape')) > 0
                   OR position('7946' in encode(phone_cipher, 'escape')) > 0
                """)
            #expect(leaked == 0)
            let id = try await engine.notify(
                acme, ["category": "welcome", "to": ["user": "ada"], "data": ["name": "A"]])
            _ = try await engine.settled(acme, id)
            #expect(try await engine.inbox(acme).count == 1)
            try expect(try await engine.delete("/v1/users/ada", acme), [204])
            #expect(try await engine.get("/v1/users/ada", acme).status == 404)
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.inbox_items") == 0)
            #expect(
                try await engine.runtime.count("SELECT count(*)::int FROM notify.users WHERE external_id = 'ada'") == 0)
        }
    }

    @Test func everyDocumentedOperationIsARouteOfTheServer() async throws {
        try await Engine.with { engine in
            let document = try await engine.get("/openapi.json", nil)
            try expect(document, [200])
            let paths = document.json["paths"] as? [String: [String: Any]] ?? [:]
            #expect(paths.count > 20)
            for (path, operations) in paths {
                let concrete = path.replacingOccurrences(
                    of: "\\{[a-z]+\\}", with: "x1", options: .regularExpression)
                for method in operations.keys {
                    guard path != "/v1/inbox/stream" else { continue }
                    let reply = try await engine.request(.init(rawValue: method.uppercased()), concrete)
                    #expect(reply.json["code"] as? String != "no_such_route", "\(method) \(path)")
                    #expect(reply.status != 405, "\(method) \(path)")
                }
            }
        }
    }
}
