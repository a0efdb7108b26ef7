import Foundation
import NotifyModel
import Testing

/// Hand-written JSON string literals read back, through Foundation's parser, as what was written.
@Suite struct JSONQuotingTests {
    @Test(arguments: [
        "", "plain", #"quote " and backslash \"#, "line\nbreak\rreturn\ttab", "bell \u{07} and nul \u{00} and \u{1F}",
        "\u{08}\u{0C}", "slash / stays", "Olá, código 123456 ✅ 🇵🇹", "\u{2028}\u{2029}",
    ])
    func aQuotedStringParsesBackToItself(_ text: String) throws {
        let literal = JSONQuoting.quoted(text)
        let parsed = try JSONSerialization.jsonObject(with: Data("[\(literal)]".utf8)) as? [String]
        #expect(parsed == [text], "\(literal)")
    }
}

/// What `JSONQuoting.append` writes into a string is what `quoted` returns, so the hand-written
/// JSON built with it (rendered content, the sandbox's Twilio answer) is unchanged.
@Suite struct JSONQuotingAppendTests {
    @Test(arguments: ["", "plain", #"quote " and backslash \"#, "line\nbreak", "Olá ✅", "slash / stays"])
    func appendingWritesWhatQuotedReturns(_ text: String) {
        var output = "prefix:"
        JSONQuoting.append(text, to: &output)
        #expect(output == "prefix:" + JSONQuoting.quoted(text))
        #expect(JSONQuoting.needsEscape(text) == text.utf8.contains { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 })
    }

    @Test func appendingNothingWritesNull() {
        var output = ""
        JSONQuoting.append(nil as String?, to: &output)
        #expect(output == "null")
    }

    @Test func anObjectHasItsKeysSortedAndParsesBack() throws {
        let fields = ["b": "2", "a": #"one "quoted""#, "c": ""]
        let text = JSONQuoting.object(fields)
        #expect(text == #"{"a":"one \"quoted\"","b":"2","c":""}"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]
        #expect(parsed == fields)
        #expect(JSONQuoting.object([:]) == "{}")
    }
}
