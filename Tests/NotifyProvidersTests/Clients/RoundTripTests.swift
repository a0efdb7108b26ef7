import AsyncHTTPClient
import Crypto
import Foundation
import JWTKit
import Logging
import NotifyProviders
import Testing

let testLogger = Logger(label: "notify-providers-tests")

/// Each client against a real HTTP server on loopback: the request arrives as the provider
/// expects it and the answer is classified.
@Suite("Round trips over real sockets")
struct RoundTripTests {
    static let sms = SMSMessage(
        deliveryID: "dlv_1", from: "+15005550006", to: "+14155550100", text: "Your code is 123456",
        statusCallbackURL: "https://notify.example/webhooks/twilio?d=dlv_1")

    @Test("Twilio: form POST with Basic auth, 201 accepted; 400 21211 suppresses the number")
    func twilio() async throws {
        try await TestServer.with(respond: { request in
            request.bodyText.contains("To=%2B14155550100")
                ? CannedResponse(
                    status: 201, body: #"{"sid": "SM00000000000000000000000000000001", "status": "queued"}"#)
                : CannedResponse(status: 400, body: #"{"code": 21211, "message": "Invalid To", "status": 400}"#)
        }) { baseURL, recorder in
            let client = TwilioClient(
                configuration: TwilioConfiguration(accountSID: "AC123", authToken: "secret-token", baseURL: baseURL),
                httpClient: .shared)
            let outcome = await client.send(.sms(Self.sms), timeout: .seconds(30), logger: testLogger)
            #expect(outcome == .accepted(providerMessageID: "SM00000000000000000000000000000001"))
            let request = try #require(recorder.all.first)
            #expect(request.method == "POST")
            #expect(request.path == "/2010-04-01/Accounts/AC123/Messages.json")
            #expect(
                request.headers["authorization"] == "Basic " + Data("AC123:secret-token".utf8).base64EncodedString())
            #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
            let form = Dictionary(
                uniqueKeysWithValues: FormURLEncoding.decode(request.bodyText).map { ($0.name, $0.value) })
            #expect(form["To"] == "+14155550100")
            #expect(form["From"] == "+15005550006")
            #expect(form["Body"] == "Your code is 123456")
            #expect(form["StatusCallback"] == "https://notify.example/webhooks/twilio?d=dlv_1")

            var bad = Self.sms
            bad.to = "+1"
            guard case .failed(let failure) = await client.send(.sms(bad), timeout: .seconds(30), logger: testLogger)
            else {
                Issue.record("expected a failure")
                return
            }
            #expect(failure.code == "twilio_21211")
            #expect(failure.recipientAction == .suppressAddress)
        }
    }

    @Test("Vonage: form POST with key, secret and client-ref; status 0 accepted, status 1 throttled")
    func vonage() async throws {
        try await TestServer.with(respond: { request in
            request.bodyText.contains("to=14155550100")
                ? CannedResponse(
                    status: 200,
                    body:
                        #"{"message-count":"1","messages":[{"to":"14155550100","message-id":"0A0000001","status":"0"}]}"#
                )
                : CannedResponse(
                    status: 200, body: #"{"message-count":"1","messages":[{"status":"1","error-text":"Throttled"}]}"#)
        }) { baseURL, recorder in
            let client = VonageClient(
                configuration: VonageConfiguration(apiKey: "key1", apiSecret: "vonage-secret", baseURL: baseURL),
                httpClient: .shared)
            #expect(
                await client.send(.sms(Self.sms), timeout: .seconds(30), logger: testLogger)
                    == .accepted(providerMessageID: "0A0000001"))
            let request = try #require(recorder.all.first)
            #expect(request.path == "/sms/json")
            let form = Dictionary(
                uniqueKeysWithValues: FormURLEncoding.decode(request.bodyText).map { ($0.name, $0.value) })
            #expect(form["api_key"] == "key1")
            #expect(form["api_secret"] == "vonage-secret")
            #expect(form["from"] == "15005550006")
            #expect(form["client-ref"] == "dlv_1")
            #expect(form["callback"] == Self.sms.statusCallbackURL)
            #expect(form["type"] == "text")

            var other = Self.sms
            other.to = "+447700900000"
            guard case .failed(let failure) = await client.send(.sms(other), timeout: .seconds(30), logger: testLogger)
            else {
                Issue.record("expected a failure")
                return
            }
            #expect(failure.kind == .rateLimited)
        }
    }

    @Test("Vonage with a signature secret signs instead of sending the API secret")
    func vonageSigned() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let configuration = VonageConfiguration(apiKey: "key1", apiSecret: nil, signatureSecret: "sig-secret")
        let request = VonageClient.makeRequest(Self.sms, configuration: configuration, now: now)
        let form = Dictionary(
            uniqueKeysWithValues: FormURLEncoding.decode(String(decoding: request.body, as: UTF8.self)).map {
                ($0.name, $0.value)
            })
        #expect(form["api_secret"] == nil)
        #expect(form["timestamp"] == "1700000000")
        try VonageSignature(secret: "sig-secret").verify(parameters: form, now: now)
    }

    static let email = EmailMessage(
        deliveryID: "dlv_2", from: EmailAddress("news@example.com", name: "Example"),
        to: EmailAddress("ada@example.net"),
        replyTo: EmailAddress("help@example.com"), subject: "Hello", html: "<p>Hi</p>", text: "Hi",
        headers: [
            EmailHeader(name: "List-Unsubscribe", value: "<https://example.com/u/abc>"),
            EmailHeader(name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click"),
        ])

    @Test("SendGrid: JSON with Bearer key, text before HTML, headers and custom_args; 202 accepted")
    func sendgrid() async throws {
        try await TestServer.with(respond: { _ in
            CannedResponse(status: 202, headers: ["X-Message-Id": "LRzXl_NHStOGhQ4kofSm_A"])
        }) { baseURL, recorder in
            let client = SendGridClient(
                configuration: SendGridConfiguration(apiKey: "SG.secret", baseURL: baseURL), httpClient: .shared)
            #expect(
                await client.send(.email(Self.email), timeout: .seconds(30), logger: testLogger)
                    == .accepted(providerMessageID: "LRzXl_NHStOGhQ4kofSm_A"))
            let request = try #require(recorder.all.first)
            #expect(request.path == "/v3/mail/send")
            #expect(request.headers["authorization"] == "Bearer SG.secret")
            #expect(request.headers["content-type"] == "application/json")
            let json = try #require(JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            let personalizations = try #require(json["personalizations"] as? [[String: Any]])
            #expect((personalizations.first?["to"] as? [[String: String]])?.first?["email"] == "ada@example.net")
            #expect((json["from"] as? [String: String]) == ["email": "news@example.com", "name": "Example"])
            #expect((json["reply_to"] as? [String: String])?["email"] == "help@example.com")
            #expect(json["subject"] as? String == "Hello")
            let content = try #require(json["content"] as? [[String: String]])
            #expect(content.map { $0["type"] } == ["text/plain", "text/html"])
            #expect((json["headers"] as? [String: String])?["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click")
            #expect((json["custom_args"] as? [String: String]) == ["delivery_id": "dlv_2"])
        }
    }

    static let push = PushMessage(
        deliveryID: "123e4567-e89b-12d3-a456-426655440000", platform: .android, token: "device-token-1", title: "Hi",
        body: "You have mail", data: ["thread": "42"], collapseID: "inbox", priority: .high,
        expiration: Date(timeIntervalSince1970: 1_700_003_600))

    @Test("FCM: JWT-bearer token exchange, message send, and one token refresh on 401")
    func fcm() async throws {
        let sends = Recorder()
        try await TestServer.with(respond: { request in
            if request.path == "/token" {
                return CannedResponse(
                    status: 200,
                    body: #"{"access_token":"ya29.token-\#(Int.random(in: 0..<1_000_000))","expires_in":3599}"#)
            }
            sends.append(request)
            if sends.all.count == 1 {
                return CannedResponse(
                    status: 401, body: #"{"error":{"code":401,"message":"x","status":"UNAUTHENTICATED"}}"#)
            }
            return CannedResponse(status: 200, body: #"{"name":"projects/demo-project/messages/0:1"}"#)
        }) { baseURL, recorder in
            let clock = TestClock(Date(timeIntervalSince1970: 1_700_000_000))
            let configuration = TestKeys.fcmConfiguration(baseURL: baseURL)
            let client = try await FCMClient(
                configuration: configuration, httpClient: .shared, now: clock.function)
            #expect(
                await client.send(.push(Self.push), timeout: .seconds(30), logger: testLogger)
                    == .accepted(providerMessageID: "projects/demo-project/messages/0:1"))

            let tokenRequests = recorder.all.filter { $0.path == "/token" }
            #expect(tokenRequests.count == 2)
            let form = Dictionary(
                uniqueKeysWithValues: FormURLEncoding.decode(tokenRequests[0].bodyText).map { ($0.name, $0.value) })
            #expect(form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer")
            let keys = await JWTKeyCollection().add(
                rsa: try Insecure.RSA.PublicKey(pem: TestKeys.rsaKey.publicKey.pemRepresentation),
                digestAlgorithm: .sha256,
                kid: "kid-1")
            let claims = try await keys.verify(try #require(form["assertion"]), as: FCMTokenSource.AssertionClaims.self)
            #expect(claims.iss == configuration.clientEmail)
            #expect(claims.aud == "\(baseURL)/token")
            #expect(claims.scope == "https://www.googleapis.com/auth/firebase.messaging")
            #expect(claims.iat == 1_700_000_000)
            #expect(claims.exp == 1_700_003_600)

            let send = try #require(sends.all.last)
            #expect(send.path == "/v1/projects/demo-project/messages:send")
            #expect(send.headers["authorization"]?.hasPrefix("Bearer ya29.token-") == true)
            #expect(sends.all[0].headers["authorization"] != send.headers["authorization"])
            let json = try #require(JSONSerialization.jsonObject(with: Data(send.body)) as? [String: Any])
            let message = try #require(json["message"] as? [String: Any])
            #expect(message["token"] as? String == "device-token-1")
            #expect((message["notification"] as? [String: String]) == ["title": "Hi", "body": "You have mail"])
            #expect(
                (message["data"] as? [String: String])
                    == ["thread": "42", "notify_delivery_id": "123e4567-e89b-12d3-a456-426655440000"])
            let android = try #require(message["android"] as? [String: String])
            #expect(android == ["priority": "high", "ttl": "3600s", "collapse_key": "inbox"])
            let apns = try #require((message["apns"] as? [String: Any])?["headers"] as? [String: String])
            #expect(apns == ["apns-priority": "10", "apns-expiration": "1700003600", "apns-collapse-id": "inbox"])

            // The cached token is reused for the next send.
            _ = await client.send(.push(Self.push), timeout: .seconds(30), logger: testLogger)
            #expect(recorder.all.filter { $0.path == "/token" }.count == 2)
        }
    }

    @Test("APNs: ES256 provider token and headers; 200 accepted, ExpiredProviderToken retried once with a new token")
    func apns() async throws {
        let sends = Recorder()
        try await TestServer.with(respond: { request in
            sends.append(request)
            if request.path.hasSuffix("/dead") {
                return CannedResponse(status: 410, body: #"{"reason":"Unregistered","timestamp":1700000000000}"#)
            }
            if sends.all.count == 2 { return CannedResponse(status: 403, body: #"{"reason":"ExpiredProviderToken"}"#) }
            return CannedResponse(status: 200, headers: ["apns-id": request.headers["apns-id"] ?? "generated"])
        }) { baseURL, _ in
            let clock = TestClock(Date(timeIntervalSince1970: 1_700_000_000))
            let (configuration, publicKey) = TestKeys.apnsConfiguration(baseURL: baseURL)
            let client = try await APNsClient(configuration: configuration, httpClient: .shared, now: clock.function)
            var push = Self.push
            push.platform = .ios
            #expect(
                await client.send(.push(push), timeout: .seconds(30), logger: testLogger)
                    == .accepted(providerMessageID: "123e4567-e89b-12d3-a456-426655440000"))
            let first = try #require(sends.all.first)
            #expect(first.path == "/3/device/device-token-1")
            #expect(first.headers["apns-topic"] == "com.example.app")
            #expect(first.headers["apns-push-type"] == "alert")
            #expect(first.headers["apns-priority"] == "10")
            #expect(first.headers["apns-expiration"] == "1700003600")
            #expect(first.headers["apns-collapse-id"] == "inbox")
            #expect(first.headers["apns-id"] == "123e4567-e89b-12d3-a456-426655440000")
            let json = try #require(JSONSerialization.jsonObject(with: Data(first.body)) as? [String: Any])
            #expect(
                ((json["aps"] as? [String: Any])?["alert"] as? [String: String]) == [
                    "title": "Hi", "body": "You have mail",
                ])
            #expect(json["thread"] as? String == "42")

            let jwt = try #require(first.headers["authorization"]?.dropFirst("bearer ".count))
            let keys = await JWTKeyCollection().add(ecdsa: try ES256PublicKey(backing: publicKey), kid: "KEY1234567")
            let claims = try await keys.verify(String(jwt), as: APNsTokenSigner.Claims.self)
            #expect(claims == APNsTokenSigner.Claims(iss: "TEAM123456", iat: 1_700_000_000))

            // 25 minutes later the token may be replaced, so an ExpiredProviderToken is retried once.
            clock.advance(25 * 60)
            #expect(
                await client.send(.push(push), timeout: .seconds(30), logger: testLogger)
                    == .accepted(providerMessageID: "123e4567-e89b-12d3-a456-426655440000"))
            #expect(sends.all.count == 3)
            #expect(sends.all[1].headers["authorization"] == first.headers["authorization"])
            #expect(sends.all[2].headers["authorization"] != first.headers["authorization"])

            var dead = push
            dead.token = "dead"
            guard case .failed(let failure) = await client.send(.push(dead), timeout: .seconds(30), logger: testLogger)
            else {
                Issue.record("expected a failure")
                return
            }
            #expect(failure.recipientAction == .invalidateDeviceToken)
        }
    }

    @Test("the apns-id is the delivery id when it is a UUID, else a stable UUID derived from it")
    func apnsID() {
        #expect(
            APNsClient.apnsID(forDeliveryID: "123E4567-E89B-12D3-A456-426655440000")
                == "123e4567-e89b-12d3-a456-426655440000")
        let derived = APNsClient.apnsID(forDeliveryID: "dlv_42")
        #expect(UUID(uuidString: derived) != nil)
        #expect(derived == derived.lowercased())
        #expect(derived == APNsClient.apnsID(forDeliveryID: "dlv_42"))
        #expect(derived != APNsClient.apnsID(forDeliveryID: "dlv_43"))
    }

    @Test("APNs refuses an oversized payload without sending it")
    func apnsTooLarge() throws {
        let (configuration, _) = TestKeys.apnsConfiguration(baseURL: "http://127.0.0.1:1")
        var push = Self.push
        push.body = String(repeating: "x", count: 5000)
        let result = APNsClient.makeRequest(push, configuration: configuration, providerToken: "t")
        #expect(result.failure?.code == "apns_PayloadTooLarge")
        #expect(result.failure?.kind == .permanent)
    }

    @Test("Webhook: signed POST that verifies with the endpoint secret; 2xx accepted with the webhook id")
    func webhook() async throws {
        let secret = StandardWebhookSignature.generateSecret()
        try await TestServer.with(respond: { _ in CannedResponse(status: 204) }) { baseURL, recorder in
            let now = Date(timeIntervalSince1970: 1_700_000_000)
            let client = WebhookClient(httpClient: .shared, now: { now })
            let message = WebhookMessage(
                deliveryID: "msg_dlv_3", url: "\(baseURL)/hooks/notify", body: #"{"type":"delivery.sent"}"#,
                signingSecret: secret)
            #expect(
                await client.send(.webhook(message), timeout: .seconds(30), logger: testLogger)
                    == .accepted(providerMessageID: "msg_dlv_3"))
            let request = try #require(recorder.all.first)
            #expect(request.path == "/hooks/notify")
            #expect(request.headers["content-type"] == "application/json")
            #expect(request.headers["webhook-id"] == "msg_dlv_3")
            #expect(request.headers["webhook-timestamp"] == "1700000000")
            try StandardWebhookSignature(secret: secret).verify(
                id: request.headers["webhook-id"], timestamp: request.headers["webhook-timestamp"],
                signature: request.headers["webhook-signature"], body: request.body, now: now)
        }
    }

    @Test("a refused connection is transient; a request with no answer before the deadline is an unknown outcome")
    func networkFailures() async throws {
        let webhook = WebhookMessage(
            deliveryID: "d", url: "http://127.0.0.1:1/x", body: "{}",
            signingSecret: StandardWebhookSignature.generateSecret())
        let client = WebhookClient(httpClient: .shared)
        guard
            case .failed(let refused) = await client.send(
                .webhook(webhook), timeout: .milliseconds(500), logger: testLogger)
        else {
            Issue.record("expected a failure")
            return
        }
        #expect(refused.kind == .transient)

        let (never, release) = AsyncStream.makeStream(of: Void.self)
        try await TestServer.with(respond: { _ in
            for await _ in never {}  // answers only after the test is over
            return CannedResponse(status: 200)
        }) { baseURL, _ in
            var slow = webhook
            slow.url = "\(baseURL)/slow"
            let outcome = await client.send(.webhook(slow), timeout: .milliseconds(300), logger: testLogger)
            release.finish()
            guard case .failed(let failure) = outcome else {
                Issue.record("expected a failure")
                return
            }
            #expect(failure.kind == .unknownOutcome)
            #expect(failure.code == "network_timeout")
        }
    }

    @Test("an answer whose body stalls past the deadline is classified from its status alone")
    func stalledBody() async throws {
        let (never, release) = AsyncStream.makeStream(of: Void.self)
        try await TestServer.with(respond: { _ in
            CannedResponse(status: 201, body: #"{"sid": "SM1"#, holdBody: { for await _ in never {} })
        }) { baseURL, _ in
            let client = TwilioClient(
                configuration: TwilioConfiguration(accountSID: "AC1", authToken: "t", baseURL: baseURL),
                httpClient: .shared)
            // The deadline must fall after the answer's head has arrived, even on a loaded machine
            // (a 300 ms deadline once expired first and was classified as a network timeout).
            let outcome = await client.send(.sms(Self.sms), timeout: .seconds(2), logger: testLogger)
            release.finish()
            guard case .failed(let failure) = outcome else {
                Issue.record("expected a failure")
                return
            }
            #expect(failure.kind == .unknownOutcome)
            #expect(failure.code == "twilio_unreadable_response")
        }
    }

    @Test("an answer larger than the body limit is read to its end and classified from its status alone")
    func oversizedBody() async throws {
        // A valid Twilio answer padded past the 1 MiB limit: kept whole, it would decode as sent.
        let padded =
            #"{"sid": "SM1", "status": "queued", "padding": ""# + String(repeating: "x", count: 1 << 20) + #""}"#
        try await TestServer.with(respond: { _ in CannedResponse(status: 201, body: padded) }) { baseURL, recorder in
            let client = TwilioClient(
                configuration: TwilioConfiguration(accountSID: "AC1", authToken: "t", baseURL: baseURL),
                httpClient: .shared)
            let outcome = await client.send(.sms(Self.sms), timeout: .seconds(5), logger: testLogger)
            guard case .failed(let failure) = outcome else {
                Issue.record("expected a failure, got \(outcome)")
                return
            }
            #expect(failure.kind == .unknownOutcome)
            #expect(failure.code == "twilio_unreadable_response")
            #expect(recorder.all.count == 1)
        }
    }

    @Test("configurations decode provider JSON and never print secrets")
    func configurations() throws {
        let twilio = try JSONDecoder().decode(
            TwilioConfiguration.self, from: Data(#"{"account_sid":"AC1","auth_token":"tok-SECRET"}"#.utf8))
        #expect(twilio.baseURL == "https://api.twilio.com")
        let sendgrid = try JSONDecoder().decode(
            SendGridConfiguration.self, from: Data(#"{"api_key":"SG.SECRET"}"#.utf8))
        let vonage = try JSONDecoder().decode(
            VonageConfiguration.self,
            from: Data(#"{"api_key":"k","api_secret":"v-SECRET","signature_secret":"s-SECRET"}"#.utf8))
        let fcm = try JSONDecoder().decode(
            FCMConfiguration.self,
            from: Data(
                #"{"type":"service_account","project_id":"p","client_email":"e@p.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nSECRET\n-----END PRIVATE KEY-----\n","token_uri":"https://oauth2.googleapis.com/token"}"#
                    .utf8))
        #expect(fcm.baseURL == "https://fcm.googleapis.com")
        let apns = try JSONDecoder().decode(
            APNsConfiguration.self,
            from: Data(#"{"team_id":"T","key_id":"K","private_key":"SECRET","topic":"com.example.app"}"#.utf8))
        for text in [
            "\(twilio)", String(reflecting: twilio), "\(sendgrid)", String(reflecting: sendgrid), "\(vonage)",
            String(reflecting: vonage), "\(fcm)", String(reflecting: fcm), "\(apns)", String(reflecting: apns),
        ] {
            #expect(!text.contains("SECRET"))
            #expect(text.contains("<redacted>"))
        }
    }
}
