import Foundation
import Testing

/// Request inputs that used to get unclear errors or were silently accepted: each is refused with a
/// stable snake_case code and a detail that names the field and says what to send instead, and
/// the valid forms next to them are still accepted.
@Suite(.serialized) struct RequestValidationTests {
    func problem(_ reply: Engine.Reply) -> (status: Int, code: String, detail: String) {
        (reply.status, reply.json["code"] as? String ?? "", reply.json["detail"] as? String ?? "")
    }

    @Test func aDateWithoutAnOffsetIsRefusedNamingItsFieldAndTheExpectedForm() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let send: [String: Any] = ["category": "welcome", "to": ["user": "ada"]]
            for text in ["tomorrow", "2030-01-01T09:00:00", "2030-01-01", "2030-01-01 09:00:00Z", "2030-01-01T09:00Z"] {
                let reply = try await engine.post(
                    "/v1/notifications", acme, send.merging(["send_at": text]) { $1 })
                let (status, code, detail) = problem(reply)
                #expect(status == 400 && code == "invalid_send_at", "\(text): \(reply.text)")
                #expect(detail.contains(#"field "send_at" must be an ISO 8601 date-time with an offset"#))
                #expect(detail.contains("2030-01-01T09:00:00Z") && detail.contains("send_at_local"))
            }
            for text in ["2027-02-30T09:00:00Z", "2027-01-01T25:00:00+01:00"] {
                let reply = try await engine.post(
                    "/v1/notifications", acme, send.merging(["send_at": text]) { $1 })
                let (status, code, detail) = problem(reply)
                #expect(status == 400 && code == "invalid_send_at", "\(text): \(reply.text)")
                #expect(
                    detail
                        == #"field "send_at": "\#(text)" names a date or time that does not exist; check the day of the month and the hour"#
                )
            }
            let badNumber = try await engine.post("/v1/notifications", acme, send.merging(["send_at": 1]) { $1 })
            #expect(problem(badNumber).code == "invalid_send_at")

            let batch = try await engine.post(
                "/v1/notifications/batch", acme,
                ["notifications": [send, send.merging(["send_at": "2030-01-01T09:00:00"]) { $1 }]])
            #expect(problem(batch).status == 400 && problem(batch).code == "invalid_send_at", "\(batch.text)")
            #expect(problem(batch).detail.hasPrefix(#"field "notifications[1].send_at" must be an ISO 8601"#))

            let patch = try await engine.send(
                .PATCH, "/v1/notifications/\(UUID().uuidString.lowercased())", acme, ["send_at": "2030-01-01"])
            #expect(problem(patch).code == "invalid_send_at", "\(patch.text)")
            let campaign = try await engine.post(
                "/v1/campaigns", acme,
                ["name": "n", "category": "welcome", "audience": ["topic": "t"], "start_at": "tomorrow"])
            #expect(problem(campaign).status == 400 && problem(campaign).code == "invalid_start_at", "\(campaign.text)")
            #expect(problem(campaign).detail.hasPrefix(#"field "start_at" must be an ISO 8601 date-time"#))
            let schedule = try await engine.post(
                "/v1/schedules", acme,
                ["cron": "@daily", "timezone": "UTC", "notification": send.merging(["send_at": "soon"]) { $1 }])
            #expect(problem(schedule).detail.hasPrefix(#"field "notification.send_at" must be"#), "\(schedule.text)")

            // Every form the decoder took before is still taken.
            for text in [
                "2030-01-01T09:00:00Z", "2030-01-01T09:00:00.250+02:00", "2030-01-01T09:00:00+0200",
                "2030-01-01T09:00:00z",
            ] {
                let reply = try await engine.post("/v1/notifications", acme, send.merging(["send_at": text]) { $1 })
                #expect(reply.status == 202, "\(text): \(reply.text)")
            }
        }
    }

    @Test func anUnknownEnumerationValueListsTheAcceptedOnesWithoutSwiftTypeNames() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let category: [String: Any] = ["kind": "transactional", "default_channels": ["inapp"]]
            let cases: [(String, [String: Any], String, String)] = [
                (
                    "/v1/categories/x1", category.merging(["kind": "promo"]) { $1 }, "invalid_kind",
                    #"field "kind": unknown value "promo"; use transactional or marketing"#
                ),
                (
                    "/v1/categories/x1", category.merging(["unknown_outcome": "maybe"]) { $1 },
                    "invalid_unknown_outcome", #"field "unknown_outcome": unknown value "maybe"; use retry or give_up"#
                ),
                (
                    "/v1/categories/x1", category.merging(["cap_action": "skip"]) { $1 }, "invalid_cap_action",
                    #"field "cap_action": unknown value "skip"; use defer, drop or digest"#
                ),
                (
                    "/v1/providers/p1", ["kind": "sms", "config": [:] as [String: Any]], "invalid_kind",
                    #"field "kind": unknown value "sms"; use smtp, sendgrid, twilio, vonage, fcm, apns or webhook"#
                ),
                (
                    "/v1/providers/p1",
                    ["kind": "smtp", "config": ["host": "127.0.0.1", "tls": "tlsv1"], "sender": ["from": "a@b.c"]],
                    "invalid_config_value",
                    #"field "config.tls": unknown value "tlsv1"; use starttls, implicit or none"#
                ),
                (
                    "/v1/providers/p1",
                    [
                        "kind": "vonage", "config": ["api_key": "k", "api_secret": "s", "signature_method": "sha3"],
                        "sender": ["from": "Acme"],
                    ], "invalid_config_value",
                    #"field "config.signature_method": unknown value "sha3"; use sha256, sha512, sha1, md5 or md5hash"#
                ),
            ]
            for (path, body, code, detail) in cases {
                let reply = try await engine.put(path, acme, body)
                #expect(problem(reply).status == 400 && problem(reply).code == code, "\(path): \(reply.text)")
                #expect(problem(reply).detail == detail)
                #expect(!reply.text.contains("Cannot initialize"))
            }
        }
    }

    @Test func aCallbackForAnUnknownAccountHasASnakeCaseCodeAndNamesProviderAndAccount() async throws {
        try await Engine.with { engine in
            for provider in ["twilio", "vonage", "sendgrid"] {
                let reply = try await engine.post("/webhooks/\(provider)/nosuch", nil, ["a": "b"])
                let (status, code, detail) = problem(reply)
                #expect(status == 404 && code == "provider_account_not_found", "\(reply.text)")
                #expect(reply.json["type"] as? String == "https://notify.dev/problems/provider_account_not_found")
                #expect(detail.contains("no \(provider) provider account \"nosuch\" exists"))
                #expect(!detail.contains("tenant"))
            }
        }
    }

    @Test func aBatchRefusesTheIdempotencyKeyHeaderAndAcceptsPerItemKeys() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let item: [String: Any] = ["category": "welcome", "to": ["user": "ada"], "idempotency_key": "k-1"]
            let headed = try await engine.post(
                "/v1/notifications/batch", acme, ["notifications": [item]], headers: ["Idempotency-Key": "batch-1"])
            #expect(problem(headed).status == 400 && problem(headed).code == "idempotency_key_header_not_supported")
            #expect(problem(headed).detail.contains(#"put "idempotency_key" on each notification of the batch"#))
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.notifications") == 0)
            try expect(try await engine.post("/v1/notifications/batch", acme, ["notifications": [item]]), [202])
        }
    }

    @Test func aBooleanQueryParameterIsTrueOrFalseAndNothingElse() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let versions = "/v1/templates/welcome/inapp/en/versions"
            for value in ["yes", "1", "TRUE", ""] {
                let reply = try await engine.post("\(versions)?activate=\(value)", acme, ["title": "Hi"])
                let (status, code, detail) = problem(reply)
                #expect(status == 400 && code == "invalid_query", "\(value): \(reply.text)")
                #expect(detail.contains(#"query parameter "activate" must be true or false"#))
            }
            let listed = try await engine.get("/v1/templates", acme).json["templates"] as? [[String: Any]] ?? []
            #expect(listed.first?["versions"] as? [Int] == [1])
            let inactive = try await engine.post("\(versions)?activate=false", acme, ["title": "Hi"])
            #expect(inactive.status == 201 && inactive.json["active"] as? Bool == false, "\(inactive.text)")

            let headers = engine.inboxHeaders(acme, user: "ada")
            let archived = try await engine.request(.GET, "/v1/inbox?archived=1", headers: headers)
            #expect(problem(archived).code == "invalid_query")
            #expect(problem(archived).detail.contains(#""archived" must be true or false"#))
            #expect(try await engine.request(.GET, "/v1/inbox?archived=false", headers: headers).status == 200)
        }
    }

    @Test func onlyATransactionalCategoryMayBeCritical() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let marketing: [String: Any] = ["kind": "marketing", "default_channels": ["inapp"]]
            let refused = try await engine.put("/v1/categories/x", acme, marketing.merging(["critical": true]) { $1 })
            #expect(problem(refused).status == 400 && problem(refused).code == "invalid_critical")
            #expect(problem(refused).detail.contains("\"critical\" applies to transactional categories only"))
            try expect(
                try await engine.put("/v1/categories/x", acme, marketing.merging(["critical": false]) { $1 }), [201])
            try expect(
                try await engine.put(
                    "/v1/categories/y", acme,
                    ["kind": "transactional", "critical": true, "default_channels": ["inapp"]]),
                [201])
        }
    }
}
