import Foundation
import NotifyModel
import Testing

@Suite struct JSONValueTests {
    @Test func decodesPlainJSON() throws {
        let json = #"{"n":null,"t":true,"i":3,"f":2.5,"s":"x","a":[1,"b"],"o":{"k":false}}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        let expected: JSONValue = [
            "n": nil, "t": true, "i": 3, "f": 2.5, "s": "x", "a": [1, "b"], "o": ["k": false],
        ]
        #expect(value == expected)
    }

    @Test func keepsEachKindAsWritten() throws {
        let json = #"{"s":"3","b":"true","z":"","n":0,"f":false,"e":{},"l":[]}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        let expected: JSONValue = ["s": "3", "b": "true", "z": "", "n": 0, "f": false, "e": [:], "l": []]
        #expect(value == expected)
    }

    @Test func encodesPlainJSON() throws {
        let value: JSONValue = ["a": [1, 2.5, "x", nil, true]]
        #expect(value.jsonText == #"{"a":[1,2.5,"x",null,true]}"#)
    }

    /// `jsonText` is written directly; it must stay the text Foundation's encoder writes.
    @Test func jsonTextIsWhatFoundationsEncoderWrites() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let everyASCII = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self)
        let numbers: [Double] = [
            3, -42, 2.5, 0, -0.0, 0.1, 1e15, 1e16, 1e20, 1e21, 1e-7, 0.0001, 123.456, Double.pi,
            9_007_199_254_740_993, 1e300, Double.leastNonzeroMagnitude, -Double.greatestFiniteMagnitude,
        ]
        let keys = [
            "a10", "a9", "B", "a", "_", "é", "Z", "ab", "aB", "Ab", "1", "10", "2", "~", "ä", "😀", "\u{FF5E}", "",
        ]
        var object: [String: JSONValue] = [:]
        for (index, key) in keys.enumerated() { object[key] = .number(Double(index)) }
        let values: [JSONValue] = [
            .null, true, false, .string(everyASCII), .string("é/\u{2028}\u{7F}😀 \\ \""),
            .array(numbers.map(JSONValue.number)), .object(object),
            [
                "order": ["id": 42, "items": [["sku": "A-1", "qty": 2, "note": nil]], "tags": []], "vip": false,
                "e": [:],
            ],
        ]
        for value in values {
            let expected = String(decoding: try encoder.encode(value), as: UTF8.self)
            #expect(value.jsonText == expected)
        }
    }

    @Test func jsonTextIsEmptyForANumberJSONCannotHold() {
        #expect(JSONValue.array([1, .number(.infinity)]).jsonText == "")
        #expect(JSONValue.object(["x": .number(.nan)]).jsonText == "")
    }

    @Test func roundTripsThroughCodable() throws {
        let value: JSONValue = ["order": ["id": 42, "items": [["sku": "A-1", "qty": 2]]], "vip": false]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
    }

    @Test(arguments: [
        (JSONValue.number(3), "3"), (.number(-7), "-7"), (.number(2.5), "2.5"), (.number(0), "0"),
        (.bool(true), "true"), (.null, ""), (.string("a/b"), "a/b"),
    ])
    func templateText(_ value: JSONValue, _ expected: String) {
        #expect(value.templateText == expected)
    }
}
