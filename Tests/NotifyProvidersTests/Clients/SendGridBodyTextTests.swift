import Foundation
import Testing

@testable import NotifyProviders

/// The SendGrid mail-send body written by hand is the encoder's text, byte for byte.
@Suite struct SendGridBodyTextTests {
    static let awkward = "quote \" backslash \\ slash / tab \t newline \n bell \u{07} é 日本 🚀"

    static let messages: [EmailMessage] = [
        EmailMessage(
            deliveryID: "42", from: EmailAddress("news@acme.test", name: "Acme"),
            to: EmailAddress("ada@example.com"), subject: "Hello", html: "<p>Hi</p>", text: "Hi"),
        EmailMessage(
            deliveryID: "7", from: EmailAddress("a@acme.test"), to: EmailAddress("b@example.com", name: awkward),
            replyTo: EmailAddress("help@acme.test", name: "Help \"desk\""), subject: awkward, html: nil,
            text: awkward,
            headers: [
                EmailHeader(name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click"),
                EmailHeader(name: "List-Unsubscribe", value: "<https://notify.test/unsubscribe/abc>"),
                EmailHeader(name: "X-Entity-Ref-ID", value: awkward),
            ]),
        EmailMessage(
            deliveryID: awkward, from: EmailAddress("a@acme.test"), to: EmailAddress("b@example.com"),
            replyTo: EmailAddress("r@acme.test"), subject: "", html: "<a href=\"https://x.test/a?b=1&c=2\">x</a>",
            text: nil),
    ]

    @Test(arguments: messages)
    func writesTheEncodersText(_ message: EmailMessage) throws {
        let body = SendGridClient.body(for: message)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(body.jsonText == String(decoding: try encoder.encode(body), as: UTF8.self))
        let request = SendGridClient.makeRequest(message, configuration: SendGridConfiguration(apiKey: "SG.key"))
        #expect(request.body == Array(body.jsonText.utf8))
        let parsed = try #require(
            try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any], "the body is JSON")
        #expect(parsed["subject"] as? String == message.subject)
        #expect((parsed["custom_args"] as? [String: String])?["delivery_id"] == message.deliveryID)
    }
}
