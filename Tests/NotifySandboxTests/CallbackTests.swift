import Foundation
import NotifyProviders
import NotifySandbox
import Testing

@Suite("Signed callbacks")
struct CallbackTests {
    func configuration(_ receiver: CallbackReceiver, duplicates: Double = 0) -> SandboxConfiguration {
        SandboxConfiguration(
            callbackBaseURL: receiver.baseURL, callbackDelay: .milliseconds(1), callbackRetryBase: .milliseconds(10),
            sendGridBatchInterval: .milliseconds(20), sendGridDuplicateRate: duplicates)
    }

    func parameters(_ body: Data) -> [(name: String, value: String)] {
        FormURLEncoding.decode(String(decoding: body, as: UTF8.self))
    }

    @Test func twilioStatusCallbacksAreSigned() async throws {
        try await CallbackReceiver.run { receiver in
            try await SandboxHarness.run(configuration(receiver)) { harness in
                let credentials = harness.credentials
                let basic = Data("\(credentials.twilioAccountSID):\(credentials.twilioAuthToken)".utf8)
                    .base64EncodedString()
                let statusURL = receiver.baseURL + "/webhooks/twilio?delivery_id=d-7"
                for to in ["+14155550100", "+15005553003"] {
                    let answer = try await harness.post(
                        "/2010-04-01/Accounts/\(credentials.twilioAccountSID)/Messages.json",
                        body: form([
                            ("To", to), ("From", "+15005550006"), ("Body", "hi"), ("StatusCallback", statusURL),
                        ]),
                        contentType: "application/x-www-form-urlencoded", headers: [("Authorization", "Basic " + basic)]
                    )
                    #expect(answer.status == 201)
                }
                try await eventually { receiver.requests("/webhooks/twilio").count == 6 }
                let verifier = TwilioSignature(authToken: credentials.twilioAuthToken)
                var finals: [String: String] = [:]
                var statuses: [String: [String]] = [:]
                for request in receiver.requests("/webhooks/twilio") {
                    let fields = parameters(request.body)
                    try verifier.verify(
                        signature: request.headers["x-twilio-signature"], url: statusURL, parameters: fields)
                    let values = Dictionary(fields.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
                    statuses[values["To"]!, default: []].append(values["MessageStatus"]!)
                    if !["sending", "sent"].contains(values["MessageStatus"]) {
                        finals[values["To"]!] = values["MessageStatus"]! + (values["ErrorCode"] ?? "")
                    }
                }
                #expect(finals == ["+14155550100": "delivered", "+15005553003": "undelivered30003"])
                #expect(statuses["+14155550100"] == ["sending", "sent", "delivered"], "each status change, in order")
                let recorded = try await harness.control(.GET, "/sandbox/messages?provider=twilio")
                #expect(recorded.body.contains(#""delivery_id":"d-7""#))
            }
        }
    }

    @Test func sendGridEventsAreBatchedSignedAndEchoCustomArgs() async throws {
        try await CallbackReceiver.run { receiver in
            try await SandboxHarness.run(configuration(receiver, duplicates: 1)) { harness in
                let answer = try await harness.post(
                    "/v3/mail/send", body: EmailTests.mail(to: "bounce@example.com", deliveryID: "d-42"),
                    headers: [("Authorization", "Bearer " + harness.credentials.sendGridAPIKey)])
                let messageID = try #require(answer.headers.first(name: "X-Message-Id"))
                try await eventually { receiver.requests("/webhooks/sendgrid").count == 2 }
                let verifier = try SendGridEventSignature(publicKey: harness.credentials.sendGridWebhookPublicKey)
                let posts = receiver.requests("/webhooks/sendgrid")
                for post in posts {
                    try verifier.verify(
                        signature: post.headers["x-twilio-email-event-webhook-signature"],
                        timestamp: post.headers["x-twilio-email-event-webhook-timestamp"], body: post.body)
                }
                #expect(posts[0].body == posts[1].body)
                let events = try #require(try JSONSerialization.jsonObject(with: posts[0].body) as? [[String: Any]])
                #expect(events.map { $0["event"] as? String } == ["processed", "bounce"])
                for event in events {
                    #expect((event["sg_message_id"] as? String)?.hasPrefix(messageID) == true)
                    #expect(event["delivery_id"] as? String == "d-42")
                    #expect((event["sg_event_id"] as? String)?.isEmpty == false)
                }
                #expect(events[1]["type"] as? String == "bounce")
            }
        }
    }

    @Test func vonageReceiptIsSigned() async throws {
        try await CallbackReceiver.run { receiver in
            try await SandboxHarness.run(configuration(receiver)) { harness in
                let credentials = harness.credentials
                _ = try await harness.post(
                    "/sms/json",
                    body: form([
                        ("api_key", credentials.vonageAPIKey), ("api_secret", credentials.vonageAPISecret),
                        ("from", "Notify"), ("to", "15005553005"), ("text", "hello"), ("client-ref", "d-5"),
                    ]), contentType: "application/x-www-form-urlencoded")
                try await eventually { receiver.requests("/webhooks/vonage").count == 1 }
                let receipt = try #require(receiver.requests("/webhooks/vonage").first)
                let fields = Dictionary(
                    parameters(receipt.body).map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
                try VonageSignature(secret: credentials.vonageSignatureSecret).verify(parameters: fields)
                #expect(fields["status"] == "failed")
                #expect(fields["client-ref"] == "d-5")
            }
        }
    }

    @Test func inboundStopAndRetriesOnRefusal() async throws {
        try await CallbackReceiver.run(refuseFirst: 2) { receiver in
            try await SandboxHarness.run(configuration(receiver)) { harness in
                let answer = try await harness.control(
                    .POST, "/sandbox/inbound", body: #"{"from": "+14155550100", "to": "+15005550006", "body": "STOP"}"#)
                #expect(answer.status == 202)
                try await eventually { receiver.requests("/webhooks/twilio").count == 3 }
                let last = try #require(receiver.requests("/webhooks/twilio").last)
                let fields = parameters(last.body)
                try TwilioSignature(authToken: harness.credentials.twilioAuthToken).verify(
                    signature: last.headers["x-twilio-signature"], url: receiver.baseURL + "/webhooks/twilio",
                    parameters: fields)
                #expect(fields.contains { $0 == ("Body", "STOP") })
                #expect(fields.contains { $0 == ("OptOutType", "STOP") })
                // The receiver holds the request before the sandbox has read its answer, so the sandbox
                // counts the delivery a moment later.
                var counts: [String: Any] = [:]
                try await eventually {
                    counts = json(try await harness.control(.GET, "/sandbox/callbacks").body)
                    return counts["delivered"] as? Int == 1
                }
                #expect(counts["failed_attempts"] as? Int == 2)
            }
        }
    }
}
