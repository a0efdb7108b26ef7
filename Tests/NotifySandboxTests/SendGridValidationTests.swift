import Foundation
import NotifyJSON
import Testing

@testable import NotifySandbox

/// The sandbox's Mail Send checks, read from the engine's JSON values.
@Suite struct SendGridValidationTests {
    @Test func addressesAsTheCharacterRules() {
        let addresses = [
            "ada@example.com", "a@b.c", "@example.com", "ada@", "ada@example", "ada@.com", "ada@example.",
            "ada@example..com", "a@b@c.d", "ada @example.com", "ada@exa\tmple.com", "ada@example.com\r\n", "",
            "@", ".@a.b", "a.@b.c", "a@b.c.", "a@b..", "a@.", "é@example.com", "ada@exämple.com", "ada\u{A0}@x.y",
            "ada@ex.co.uk", "a+tag@b-c.d_e",
        ]
        for address in addresses {
            #expect(
                SendGridValidation.isEmail(address) == SendGridValidation.isEmailByCharacters(address), "\(address)")
        }
        #expect(SendGridValidation.isEmail("ada@example.com"))
        #expect(!SendGridValidation.isEmail("ada@example"))
    }

    @Test func refusesWhatSendGridRefuses() throws {
        let bigArgs = "{" + (0..<600).map { "\"key\($0)\":\"value-\($0)\"" }.joined(separator: ",") + "}"
        let mail = try JSONValue.object(
            parsing: """
                {"personalizations":[{"to":[{"email":"ada@example.com"},{"email":"ADA@example.com"}],
                  "custom_args":\(bigArgs)}],
                 "from":{"email":"news@acme.test"},"content":[{"type":"text/plain","value":""}],
                 "categories":["a","a"],"custom_args":[1],"reply_to":{"email":"r@acme.test"},
                 "reply_to_list":[],"send_at":\(Int(Date().timeIntervalSince1970) + 73 * 3600)}
                """)
        let validation = SendGridValidation(mail)
        #expect(
            validation.failures.map(\.field).sorted { ($0 ?? "") < ($1 ?? "") } == [
                "categories", "content.0.value", "custom_args", "personalizations.0.custom_args",
                "personalizations.0.to.1", "reply_to", "send_at", "subject",
            ])
        #expect(validation.recipients.map(\.email) == ["ada@example.com", "ADA@example.com"])

        let good = try JSONValue.object(
            parsing: """
                {"personalizations":[{"to":[{"email":"ada@example.com","name":"Ada"}],"cc":[{"email":"b@example.com"}]}],
                 "from":{"email":"news@acme.test"},"subject":"Hi","content":[{"type":"text/plain","value":"Hi"}],
                 "custom_args":{"delivery_id":"42"},"categories":["otp"]}
                """)
        let accepted = SendGridValidation(good)
        #expect(accepted.isValid)
        #expect(accepted.recipients.map(\.email) == ["ada@example.com", "b@example.com"])
    }
}
