import Foundation
import NotifyModel
import Testing

/// `JSONValue.object(parsing:)` reads JSON directly; it must give what Foundation's decoder gives,
/// and refuse what the decoder refuses.
@Suite struct JSONValueParsingTests {
    static let decoder = JSONDecoder()

    /// Objects as JSON text, each read the same way by Foundation.
    static let valid: [String] = [
        #"{}"#,
        #"  { "a" : 1 , "b":[ ] ,"c":{ } }  "#,
        "{\n\t\"a\":\r\n[1,2]}",
        #"{"n":null,"t":true,"f":false,"i":3,"neg":-42,"z":0,"nz":-0,"d":2.5,"e":1e5,"E":-1.5E-3,"p":1e+2}"#,
        #"{"big":12345678901234567890,"precise":0.1,"max":1.7976931348623157e308,"tiny":5e-324}"#,
        #"{"s":"plain","empty":"","u":"é 😀 日本","q":"say \"hi\"","bs":"a\\b","sl":"a\/b"}"#,
        #"{"c":"\b\f\n\r\t","hex":"\u00e9\u0041\u20AC","pair":"\ud83d\ude00","nul":"\u0000x"}"#,
        #"{"nested":{"a":[{"b":[[],{}]},null,"x",[1,[2,[3]]]]}}"#,
        #"{"same":1,"same":2}"#,
        #"{"order":{"id":42,"items":[{"sku":"A-1","qty":2,"price":9.99}]},"user":{"name":"Ada"}}"#,
    ]

    /// Texts that are not a JSON object, each refused by Foundation too.
    static let invalid: [String] = [
        "", " ", "[]", "1", #""s""#, "null", "{", "}", #"{"a"}"#, #"{"a":}"#, #"{,"a":1}"#,
        #"{"a":1"b":2}"#, #"{a:1}"#, #"{'a':1}"#, #"{"a":[1 2]}"#, #"{"a":01}"#, #"{"a":1.}"#,
        #"{"a":.5}"#, #"{"a":+1}"#, #"{"a":-}"#, #"{"a":1e}"#, #"{"a":1e+}"#, #"{"a":0x10}"#, #"{"a":1e400}"#,
        #"{"a":NaN}"#, #"{"a":Infinity}"#, #"{"a":tru}"#, #"{"a":nul}"#, #"{"a":True}"#, #"{"a":"x}"#,
        "{\"a\":\"line\nbreak\"}", "{\"a\":\"tab\there\"}", #"{"a":"\x"}"#, #"{"a":"\u12"}"#, #"{"a":"\u12G4"}"#,
        #"{"a":"\ud83d"}"#, #"{"a":"\ud83dx"}"#, #"{"a":"\ud83d\u0041"}"#, #"{"a":"\ude00"}"#, #"{"a":1} x"#,
        #"{"a":1}{}"#, #"{"a":1} // comment"#,
    ]

    static func decoded(_ text: String) throws -> [String: JSONValue] {
        try decoder.decode([String: JSONValue].self, from: Data(text.utf8))
    }

    @Test(arguments: valid)
    func matchesFoundationsDecoder(_ text: String) throws {
        #expect(try JSONValue.object(parsing: text) == Self.decoded(text))
        #expect(try JSONValue(parsing: text) == JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))
    }

    @Test func readsWhatJSONTextWrites() throws {
        let everyASCII = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self)
        let value: [String: JSONValue] = [
            "ascii": .string(everyASCII), "unicode": "é😀\u{2028}\u{FEFF}", "numbers": [3, -0.5, 1e21, 1e-7],
            "deep": ["a": ["b": ["c": [nil, true, false]]]], everyASCII: "key",
        ]
        let text = JSONValue.object(value).jsonText
        #expect(try JSONValue.object(parsing: text) == value)
        #expect(try JSONValue.object(parsing: text) == Self.decoded(text))
    }

    @Test(arguments: invalid)
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: DecodingError.self) { try JSONValue.object(parsing: text) }
        #expect(throws: (any Error).self) { try Self.decoded(text) }
    }

    /// Foundation's decoder lets a trailing comma pass; JSON does not, and neither does the parser.
    @Test(arguments: [#"{"a":1,}"#, #"{"a":[1,]}"#, #"{"a":{"b":1,}}"#])
    func refusesATrailingComma(_ text: String) {
        #expect(throws: DecodingError.self) { try JSONValue.object(parsing: text) }
    }

    @Test func saysWhereAndWhatWasExpected() {
        do {
            _ = try JSONValue.object(parsing: #"{"a":[1,2}"#)
            Issue.record("a bracket closed by a brace was read")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.debugDescription == "invalid JSON at byte 9: expected `,` or `]`, found `}`")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func refusesNestingDeeperThanFoundationAllows() throws {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: DecodingError.self) { try JSONValue.object(parsing: #"{"a":\#(deep)}"#) }
        let allowed = String(repeating: "[", count: 400) + String(repeating: "]", count: 400)
        #expect(try JSONValue.object(parsing: #"{"a":\#(allowed)}"#).count == 1)
    }
}
