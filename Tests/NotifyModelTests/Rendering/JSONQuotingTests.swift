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
