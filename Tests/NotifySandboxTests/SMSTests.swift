import Foundation
import NotifySandbox
import Testing

@Suite("SMS simulators")
struct SMSTests {
    func twilioSend(
        _ harness: SandboxHarness, to: String, user: String? = nil, password: String? = nil
    ) async throws -> (
        status: Int, body: [String: Any]
    ) {
        let credentials = harness.credentials
        let basic = Data("\(user ?? credentials.twilioAccountSID):\(password ?? credentials.twilioAuthToken)".utf8)
        let answer = try await harness.post(
            "/2010-04-01/Accounts/\(credentials.twilioAccountSID)/Messages.json",
            body: form([("To", to), ("From", "+15005550006"), ("Body", "Your code is 123456")]),
            contentType: "application/x-www-form-urlencoded",
            headers: [("Authorization", "Basic " + basic.base64EncodedString())])
        return (answer.status, json(answer.body))
    }

    @Test func twilioAcceptsAndRecords() async throws {
        try await SandboxHarness.run { harness in
            let answer = try await twilioSend(harness, to: "+14155550100")
            #expect(answer.status == 201)
            let sid = try #require(answer.body["sid"] as? String)
            #expect(sid.hasPrefix("SM") && sid.count == 34)
            #expect(answer.body["status"] as? String == "queued")
            // Twilio's Message resource: nulls where Twilio writes null, segments as a string.
            #expect(answer.body["error_code"] is NSNull && answer.body["price"] is NSNull)
            #expect(answer.body["num_segments"] as? String == "1")
            #expect(answer.body["to"] as? String == "+14155550100")
            #expect(answer.body["account_sid"] as? String == harness.credentials.twilioAccountSID)
            #expect(
                (answer.body["subresource_uris"] as? [String: String])?["media"]
                    == "/2010-04-01/Accounts/\(harness.credentials.twilioAccountSID)/Messages/\(sid)/Media.json")
            let second = try #require(try await twilioSend(harness, to: "+14155550100").body["sid"] as? String)
            #expect(second != sid && second.dropFirst(2).allSatisfy(\.isHexDigit))
            let list = try await harness.control(.GET, "/sandbox/messages?provider=twilio")
            let messages = try #require(json(list.body)["messages"] as? [[String: Any]])
            #expect(messages.count == 2)
            let first = try #require(messages.first { $0["provider_message_id"] as? String == sid })
            #expect(first["body"] as? String == "Your code is 123456")
        }
    }

    @Test func twilioRejectsBadAuth() async throws {
        try await SandboxHarness.run { harness in
            let answer = try await twilioSend(harness, to: "+14155550100", password: "wrong")
            #expect(answer.status == 401)
            #expect(answer.body["code"] as? Int == 20003)
            #expect(answer.body["more_info"] as? String == "https://www.twilio.com/docs/errors/20003")
        }
    }

    @Test("Basic auth: the API key pair and other spellings of the header pass; crossed pairs do not")
    func twilioAuthSpellings() async throws {
        try await SandboxHarness.run { harness in
            let credentials = harness.credentials
            let apiKey = try await twilioSend(
                harness, to: "+14155550100", user: credentials.twilioAPIKeySID,
                password: credentials.twilioAPIKeySecret)
            #expect(apiKey.status == 201)
            let crossed = try await twilioSend(
                harness, to: "+14155550100", user: credentials.twilioAccountSID,
                password: credentials.twilioAPIKeySecret)
            #expect(crossed.status == 401)

            // The scheme in another case and more than one space before the credentials.
            let encoded = Data("\(credentials.twilioAccountSID):\(credentials.twilioAuthToken)".utf8)
                .base64EncodedString()
            for header in ["basic  " + encoded, "BASIC " + encoded] {
                let answer = try await harness.post(
                    "/2010-04-01/Accounts/\(credentials.twilioAccountSID)/Messages.json",
                    body: form([("To", "+14155550100"), ("From", "+15005550006"), ("Body", "hi")]),
                    contentType: "application/x-www-form-urlencoded", headers: [("Authorization", header)])
                #expect(answer.status == 201, "\(header.prefix(6))")
            }
            let counts = try await harness.counts("twilio")
            #expect(counts["accepted"] == 3 && counts["failed"] == 1)
        }
    }

    @Test("Basic auth in base64 with other unused bits is decoded and accepted; a wrong pair so spelled is not")
    func twilioAuthOtherBase64() async throws {
        try await SandboxHarness.run { harness in
            let credentials = harness.credentials
            func header(_ password: String) throws -> String {
                // "AC" + 32 hex, ":", 32 hex: 67 bytes, so the base64 ends in "==" and the last
                // character before it has four unused bits; one of them set decodes the same.
                let canonical = Data("\(credentials.twilioAccountSID):\(password)".utf8).base64EncodedString()
                let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
                var characters = Array(canonical)
                try #require(canonical.hasSuffix("=="), "\(canonical)")
                let last = characters.count - 3
                let index = try #require(alphabet.firstIndex(of: characters[last]))
                characters[last] = alphabet[index ^ 1]
                return "Basic " + String(characters)
            }
            // The same length, one character different.
            let token = credentials.twilioAuthToken
            let wrongToken = (token.first == "0" ? "1" : "0") + token.dropFirst()
            for (password, status) in [
                (credentials.twilioAuthToken, 201), (wrongToken, 401),
            ] {
                let answer = try await harness.post(
                    "/2010-04-01/Accounts/\(credentials.twilioAccountSID)/Messages.json",
                    body: form([("To", "+14155550100"), ("From", "+15005550006"), ("Body", "hi")]),
                    contentType: "application/x-www-form-urlencoded", headers: [("Authorization", try header(password))]
                )
                #expect(answer.status == status)
            }
        }
    }

    @Test(arguments: [("+15005550001", 21211), ("+15005550004", 21610), ("0800 INVALID", 21211)])
    func twilioMagicNumbers(to: String, code: Int) async throws {
        try await SandboxHarness.run { harness in
            let answer = try await twilioSend(harness, to: to)
            #expect(answer.status == 400)
            #expect(answer.body["code"] as? Int == code)
            #expect(try await harness.counts("twilio")["failed"] == 1)
        }
    }

    @Test func vonageAcceptsAndRejectsBadCredentials() async throws {
        try await SandboxHarness.run { harness in
            let credentials = harness.credentials
            let good = try await harness.post(
                "/sms/json",
                body: form([
                    ("api_key", credentials.vonageAPIKey), ("api_secret", credentials.vonageAPISecret),
                    ("from", "Notify"), ("to", "447700900000"), ("text", "hello"), ("client-ref", "d-1"),
                ]), contentType: "application/x-www-form-urlencoded")
            #expect(good.status == 200)
            let message = try #require((json(good.body)["messages"] as? [[String: Any]])?.first)
            #expect(message["status"] as? String == "0")
            #expect((message["message-id"] as? String)?.isEmpty == false)
            let bad = try await harness.post(
                "/sms/json",
                body:
                    #"{"api_key":"\#(credentials.vonageAPIKey)","api_secret":"nope","from":"Notify","to":"447700900000","text":"hi"}"#
            )
            let refused = try #require((json(bad.body)["messages"] as? [[String: Any]])?.first)
            #expect(bad.status == 200)
            #expect(refused["status"] as? String == "4")
            let counts = try await harness.counts("vonage")
            #expect(counts["accepted"] == 1 && counts["failed"] == 1)
        }
    }
}
