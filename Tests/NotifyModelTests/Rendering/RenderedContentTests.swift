import Foundation
import NotifyModel
import Testing

@Suite struct RenderedContentTests {
    func json(_ content: RenderedContent) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(content), as: UTF8.self)
    }

    @Test(arguments: [
        (
            RenderedContent.sms(text: "hi", segments: 2, encoding: .gsm7),
            #"{"channel":"sms","encoding":"gsm7","segments":2,"text":"hi"}"#
        ),
        (.email(subject: "s", html: nil, text: "t"), #"{"channel":"email","subject":"s","text":"t"}"#),
        (.push(title: "t", body: nil, data: [:]), #"{"channel":"push","data":{},"title":"t"}"#),
        (
            .inapp(title: nil, body: "b", actionURL: "https://x.test/a"),
            #"{"action_url":"https://x.test/a","body":"b","channel":"inapp"}"#
        ),
        (.webhook(body: "{}"), #"{"body":"{}","channel":"webhook"}"#),
    ])
    func hasAStableFlatJSONForm(_ content: RenderedContent, _ expected: String) throws {
        #expect(try json(content) == expected)
        #expect(content.jsonText == expected, "the hand-written form is the encoder's")
        #expect(try JSONDecoder().decode(RenderedContent.self, from: Data(expected.utf8)) == content)
    }

    @Test func theHandWrittenFormMatchesTheEncodersForAwkwardText() throws {
        let awkward = "quote \" backslash \\ slash / tab \t newline \n bell \u{07} é 日本 🚀"
        let cases: [RenderedContent] = [
            .email(subject: awkward, html: "<p>\(awkward)</p>", text: awkward),
            .sms(text: awkward, segments: 3, encoding: .ucs2),
            .push(title: awkward, body: nil, data: ["z": awkward, "a": "1", "m\"k": "v"]),
            .inapp(title: nil, body: nil, actionURL: nil),
            .webhook(body: awkward),
        ]
        for content in cases {
            #expect(content.jsonText == (try json(content)))
            #expect(try JSONDecoder().decode(RenderedContent.self, from: Data(content.jsonText.utf8)) == content)
        }
    }

    @Test func roundTripsEveryCase() throws {
        let cases: [RenderedContent] = [
            .email(subject: "s", html: "<p>h</p>", text: nil),
            .sms(text: "ç", segments: 1, encoding: .ucs2),
            .push(title: nil, body: "b", data: ["k": "v"]),
            .inapp(title: "t", body: "b", actionURL: nil),
            .webhook(body: #"{"a":1}"#),
        ]
        for content in cases {
            let data = try JSONEncoder().encode(content)
            #expect(try JSONDecoder().decode(RenderedContent.self, from: data) == content)
            #expect(
                content.channel.rawValue
                    == (try JSONDecoder().decode([String: JSONValue].self, from: data)["channel"]?.templateText))
        }
    }

    @Test func rejectsAnUnknownChannel() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(RenderedContent.self, from: Data(#"{"channel":"fax","text":"x"}"#.utf8))
        }
    }
}
