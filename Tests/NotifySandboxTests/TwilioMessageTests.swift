import Foundation
import NotifyModel
import Testing

@testable import NotifySandbox

/// The sandbox's hand-written Twilio answer reads back, through Foundation's parser, with every field.
@Suite struct TwilioMessageTests {
    @Test func theTwilioResourceIsValidJSONWithEveryField() throws {
        let message = TwilioMessage(
            sid: "SM0123", accountSID: "AC42", from: nil, to: "+14155550100", body: "He said \"hi\"\n\\o/",
            messagingServiceSID: "MG9")
        let text = message.resource(status: "accepted")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object.count == 20)
        #expect(object["body"] as? String == "He said \"hi\"\n\\o/")
        #expect(object["from"] is NSNull && object["price"] is NSNull && object["date_sent"] is NSNull)
        #expect(object["messaging_service_sid"] as? String == "MG9")
        #expect(object["num_segments"] as? String == "0")
        #expect(object["status"] as? String == "accepted")
        #expect(object["uri"] as? String == "/2010-04-01/Accounts/AC42/Messages/SM0123.json")
        #expect(
            object["subresource_uris"] as? [String: String]
                == [
                    "media": "/2010-04-01/Accounts/AC42/Messages/SM0123/Media.json",
                    "feedback": "/2010-04-01/Accounts/AC42/Messages/SM0123/Feedback.json",
                ])
        let created = try #require(object["date_created"] as? String)
        #expect(created.hasSuffix(" +0000") && object["date_updated"] as? String == created)
    }

    /// The text is the one the first, field-list version wrote (kept here as the reference).
    @Test(arguments: [
        TwilioMessage(
            sid: "SM1", accountSID: "AC1", from: "+15550001", to: "+15550002", body: "Your code is 123456",
            messagingServiceSID: nil),
        TwilioMessage(
            sid: "SM2", accountSID: "AC2", from: nil, to: "+15550003",
            body: "é 日本 🚀 \u{07} \"q\" " + String(repeating: "x", count: 200),
            messagingServiceSID: "MG2"),
    ])
    func writesTheFieldListsText(_ message: TwilioMessage) {
        for status in ["queued", "accepted"] {
            #expect(message.resource(status: status) == Self.reference(message, status: status))
        }
    }

    static func reference(_ message: TwilioMessage, status: String) -> String {
        let date = JSONQuoting.quoted(TwilioMessage.rfc2822(message.created))
        let uri = "/2010-04-01/Accounts/\(message.accountSID)/Messages/\(message.sid)"
        let fields: [(String, String)] = [
            ("account_sid", JSONQuoting.quoted(message.accountSID)), ("api_version", #""2010-04-01""#),
            ("body", JSONQuoting.quoted(message.body)), ("date_created", date), ("date_sent", "null"),
            ("date_updated", date), ("direction", #""outbound-api""#), ("error_code", "null"),
            ("error_message", "null"), ("from", JSONQuoting.quoted(message.from)),
            ("messaging_service_sid", JSONQuoting.quoted(message.messagingServiceSID)), ("num_media", #""0""#),
            ("num_segments", JSONQuoting.quoted(message.messagingServiceSID == nil ? "\(message.segments)" : "0")),
            ("price", "null"), ("price_unit", #""USD""#), ("sid", JSONQuoting.quoted(message.sid)),
            ("status", JSONQuoting.quoted(status)),
            (
                "subresource_uris",
                "{\"feedback\":\(JSONQuoting.quoted(uri + "/Feedback.json")),\"media\":\(JSONQuoting.quoted(uri + "/Media.json"))}"
            ),
            ("to", JSONQuoting.quoted(message.to)), ("uri", JSONQuoting.quoted(uri + ".json")),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}
