import Foundation
import NotifySandbox
import Testing

@Suite("SendGrid simulator")
struct EmailTests {
    static func mail(to: String, deliveryID: String = "d-1", subject: String? = "Hello") -> String {
        var object: [String: Any] = [
            "personalizations": [["to": [["email": to]]]], "from": ["email": "app@example.org", "name": "App"],
            "content": [["type": "text/plain", "value": "Hi there"]], "custom_args": ["delivery_id": deliveryID],
        ]
        if let subject { object["subject"] = subject }
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test func acceptsWithMessageID() async throws {
        try await SandboxHarness.run { harness in
            let answer = try await harness.post(
                "/v3/mail/send", body: Self.mail(to: "ada@example.com"),
                headers: [("Authorization", "Bearer " + harness.credentials.sendGridAPIKey)])
            #expect(answer.status == 202)
            #expect(answer.body.isEmpty)
            #expect(answer.headers.first(name: "X-Message-Id")?.isEmpty == false)
            let list = try await harness.control(.GET, "/sandbox/messages?provider=sendgrid&to=ada@example.com")
            let message = try #require((json(list.body)["messages"] as? [[String: Any]])?.first)
            #expect(message["delivery_id"] as? String == "d-1")
            #expect(message["subject"] as? String == "Hello")
        }
    }

    @Test func refusesBadKey() async throws {
        try await SandboxHarness.run { harness in
            let answer = try await harness.post(
                "/v3/mail/send", body: Self.mail(to: "ada@example.com"), headers: [("Authorization", "Bearer SG.wrong")]
            )
            #expect(answer.status == 401)
            let errors = try #require(json(answer.body)["errors"] as? [[String: Any]])
            #expect(
                errors.first?["message"] as? String
                    == "The provided authorization grant is invalid, expired, or revoked")
        }
    }

    @Test func validatesLikeSendGrid() async throws {
        try await SandboxHarness.run { harness in
            let answer = try await harness.post(
                "/v3/mail/send", body: Self.mail(to: "not-an-address", subject: nil),
                headers: [("Authorization", "Bearer " + harness.credentials.sendGridAPIKey)])
            #expect(answer.status == 400)
            let errors = try #require(json(answer.body)["errors"] as? [[String: Any]])
            let fields = errors.compactMap { $0["field"] as? String }
            #expect(fields.contains("personalizations.0.to.0.email"))
            #expect(fields.contains("subject"))
        }
    }

    @Test func sandboxModeValidatesWithoutSending() async throws {
        try await SandboxHarness.run { harness in
            var mail = json(Self.mail(to: "ada@example.com"))
            mail["mail_settings"] = ["sandbox_mode": ["enable": true]]
            let body = String(decoding: try JSONSerialization.data(withJSONObject: mail), as: UTF8.self)
            let answer = try await harness.post(
                "/v3/mail/send", body: body,
                headers: [("Authorization", "Bearer " + harness.credentials.sendGridAPIKey)])
            #expect(answer.status == 200)
            #expect(answer.headers.first(name: "X-Message-Id") == nil)
            #expect(try await harness.counts("sendgrid")["accepted"] == 0)
        }
    }

    @Test func countsDuplicateDeliveryIDs() async throws {
        try await SandboxHarness.run { harness in
            for _ in 0..<3 {
                let answer = try await harness.post(
                    "/v3/mail/send", body: Self.mail(to: "ada@example.com", deliveryID: "same"),
                    headers: [("Authorization", "Bearer " + harness.credentials.sendGridAPIKey)])
                #expect(answer.status == 202)
            }
            let counts = try await harness.counts("sendgrid")
            #expect(counts == ["received": 3, "accepted": 3, "failed": 0, "duplicates": 2])
            #expect(try await harness.control(.DELETE, "/sandbox/messages").status == 204)
            #expect(try await harness.counts("sendgrid")["received"] == 0)
        }
    }
}
