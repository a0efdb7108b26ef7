import Foundation
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
}
