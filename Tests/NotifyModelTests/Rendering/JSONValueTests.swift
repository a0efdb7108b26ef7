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
