import Foundation
import Testing

@testable import NotifyProviders

/// The FCM send body written by hand is the encoder's text, byte for byte.
@Suite struct FCMBodyTextTests {
    static let awkward = "quote \" backslash \\ slash / tab \t newline \n bell \u{07} del \u{7F} sep \u{2028} é 日本 🚀"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static let messages: [PushMessage] = [
        PushMessage(deliveryID: "1", platform: .android, token: "tok-1", title: "Code", body: "Your code is 123456"),
        PushMessage(
            deliveryID: "2", platform: .android, token: "t/2", title: nil, body: awkward,
            data: ["b": "2", "a": awkward, "a10": "x", "a9": "y", "B": "z", "é": "e", awkward: "key", "": "empty"],
            collapseID: "otp/login", priority: .normal, expiration: now.addingTimeInterval(90.7)),
        PushMessage(
            deliveryID: "3", platform: .ios, token: awkward, title: awkward, body: nil, collapseID: awkward,
            expiration: now.addingTimeInterval(-5)),
        PushMessage(deliveryID: "4", platform: .android, token: "silent", title: nil, body: nil, data: ["k": "v"]),
        // A data entry of the same name is replaced by the delivery id.
        PushMessage(
            deliveryID: awkward, platform: .android, token: "t-5", title: "T", body: nil,
            data: ["notify_delivery_id": "tenant's", "z": "last"]),
    ]

    @Test func writesTheDeliveryIDInData() {
        let body = FCMClient.body(for: Self.messages[0], now: Self.now)
        #expect(
            body.jsonText
                == #"{"message":{"android":{"priority":"high"},"apns":{"headers":{"apns-priority":"10"}},"data":{"notify_delivery_id":"1"},"notification":{"body":"Your code is 123456","title":"Code"},"token":"tok-1"}}"#
        )
    }

    @Test(arguments: messages)
    func writesTheEncodersText(_ message: PushMessage) throws {
        let body = FCMClient.body(for: message, now: Self.now)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(body.jsonText == String(decoding: try encoder.encode(body), as: UTF8.self))
        let request = FCMClient.makeRequest(
            message, configuration: try Self.configuration(), accessToken: "ya29.token", now: Self.now)
        #expect(request.body == Array(body.jsonText.utf8))
        let parsed = try #require(
            try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any], "the body is JSON")
        let sent = try #require(parsed["message"] as? [String: Any])
        #expect(sent["token"] as? String == message.token)
        // The delivery id travels in `data` beside the message's own entries.
        var data = message.data
        data["notify_delivery_id"] = message.deliveryID
        #expect(sent["data"] as? [String: String] == data)
    }

    static func configuration() throws -> FCMConfiguration {
        try JSONDecoder().decode(
            FCMConfiguration.self,
            from: Data(
                #"{"type":"service_account","project_id":"p","client_email":"e@p.iam.gserviceaccount.com","private_key":"k","token_uri":"https://oauth2.googleapis.com/token"}"#
                    .utf8))
    }
}
