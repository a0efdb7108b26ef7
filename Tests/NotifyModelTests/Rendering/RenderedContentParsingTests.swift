import Foundation
import NotifyModel
import Testing

/// `RenderedContent(jsonText:)` reads what the decoder reads, and refuses what it refuses.
@Suite struct RenderedContentParsingTests {
    static let awkward = "quote \" backslash \\ slash / tab \t newline \n bell \u{07} é 日本 🚀"

    @Test(arguments: [
        RenderedContent.email(subject: awkward, html: "<p>\(awkward)</p>", text: awkward),
        .email(subject: "s", html: nil, text: "t"),
        .sms(text: awkward, segments: 3, encoding: .ucs2),
        .sms(text: "Your code is 123456", segments: 1, encoding: .gsm7),
        .push(title: awkward, body: nil, data: ["z": awkward, "a": "1", "m\"k": "v"]),
        .push(title: nil, body: nil, data: [:]),
        .inapp(title: nil, body: "b", actionURL: "https://x.test/a"),
        .inapp(title: nil, body: nil, actionURL: nil),
        .webhook(body: #"{"a":[1,2,{"b":null}]}"#),
    ])
    func readsWhatRenderWrites(_ content: RenderedContent) throws {
        #expect(try RenderedContent(jsonText: content.jsonText) == content)
        #expect(
            try RenderedContent(jsonText: content.jsonText)
                == JSONDecoder().decode(RenderedContent.self, from: Data(content.jsonText.utf8)))
    }

    @Test(arguments: [
        #"{"text":"x","encoding":"gsm7","segments":1,"channel":"sms"}"#,
        #" { "channel" : "email", "subject" : "s", "html" : null } "#,
        #"{"channel":"push","title":"t"}"#,
        #"{"channel":"push","data":null,"body":"b","extra":[1,{"x":true}]}"#,
        #"{"channel":"webhook","body":"\u00e9\ud83d\ude80"}"#,
    ])
    func readsOtherSpellingsAsTheDecoderDoes(_ text: String) throws {
        #expect(
            try RenderedContent(jsonText: text) == JSONDecoder().decode(RenderedContent.self, from: Data(text.utf8)))
    }

    @Test(arguments: [
        #"{"channel":"fax","text":"x"}"#,
        #"{"text":"x"}"#,
        #"{"channel":"sms","text":"x","segments":1}"#,
        #"{"channel":"sms","text":"x","segments":1,"encoding":"utf8"}"#,
        #"{"channel":"sms","text":"x","segments":"1","encoding":"gsm7"}"#,
        #"{"channel":"sms","text":"x","segments":1.5,"encoding":"gsm7"}"#,
        #"{"channel":"sms","text":5,"segments":1,"encoding":"gsm7"}"#,
        #"{"channel":"email","html":"h"}"#,
        #"{"channel":"email","subject":"s","text":["t"]}"#,
        #"{"channel":"push","data":{"k":1}}"#,
        #"{"channel":"push","data":["v"]}"#,
        #"{"channel":"webhook"}"#,
        #"{"channel":"webhook","body":null}"#,
        #"["channel","sms"]"#,
        #"{"channel":"sms","text":"x""#,
        "",
    ])
    func refusesWhatTheDecoderRefuses(_ text: String) {
        #expect(throws: DecodingError.self) { try RenderedContent(jsonText: text) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RenderedContent.self, from: Data(text.utf8)) }
    }

    @Test func namesTheFieldToFix() {
        do {
            _ = try RenderedContent(jsonText: #"{"channel":"sms","text":"x","segments":1,"encoding":"utf8"}"#)
            Issue.record("an unknown encoding was read")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.codingPath.map(\.stringValue) == ["encoding"])
            #expect(context.debugDescription.contains("gsm7 or ucs2"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
