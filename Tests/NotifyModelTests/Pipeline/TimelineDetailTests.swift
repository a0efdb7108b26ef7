import Foundation
import NotifyModel
import Testing

/// The detail object of a timeline event, as the send step writes it.
@Suite struct TimelineDetailTests {
    @Test func aDetailIsAJSONObjectWithItsKeysSortedThatReadsBackAsWritten() throws {
        let fields = [
            "reason": "provider_error", "message": "He said \"no\"\n\\ 500 / Olá ✅", "code": "30003", "account": "tw-1",
        ]
        let text = TimelineWrites.detail(fields)
        #expect(text.hasPrefix(#"{"account":"tw-1","code":"30003","message":"#))
        #expect(try JSONDecoder().decode([String: String].self, from: Data(text.utf8)) == fields)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(text == String(decoding: try encoder.encode(fields), as: UTF8.self))
    }

    @Test func anEmptyDetailIsAnEmptyObject() {
        #expect(TimelineWrites.detail([:]) == "{}")
    }
}
