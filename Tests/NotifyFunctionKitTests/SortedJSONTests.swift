import Foundation
import NotifyFunctionKit
import Testing

@Suite struct SortedJSONTests {
    private func text(_ value: Any, escapingSlashes: Bool = false) throws -> String {
        String(decoding: try SortedJSON.data(value, escapingSlashes: escapingSlashes), as: UTF8.self)
    }

    @Test func sortsKeysAtEveryLevel() throws {
        let value: [String: Any] = ["b": 1, "a": ["z": true, "m": NSNull()], "c": [["y": "1", "x": "2"]]]
        #expect(try text(value) == #"{"a":{"m":null,"z":true},"b":1,"c":[{"x":"2","y":"1"}]}"#)
    }

    @Test func keepsNumbersExactAndBooleansApart() throws {
        let value: [String: Any] = [
            "big": Int64(9_007_199_254_740_993), "int": 3, "double": 2.5, "bool": false, "small": UInt8(7),
        ]
        #expect(try text(value) == #"{"big":9007199254740993,"bool":false,"double":2.5,"int":3,"small":7}"#)
    }

    @Test func parsedJSONKeepsItsKinds() throws {
        // JSONSerialization gives NSNumber for 0 and 1 as well as for true and false.
        let parsed = try JSONSerialization.jsonObject(
            with: Data(#"{"one":1,"zero":0,"yes":true,"no":false,"half":0.5,"s":"a/b"}"#.utf8))
        #expect(try text(parsed) == #"{"half":0.5,"no":false,"one":1,"s":"a/b","yes":true,"zero":0}"#)
        #expect(try text(parsed, escapingSlashes: true).contains(#""s":"a\/b""#))
    }

    @Test func matchesJSONSerializationForPlainValues() throws {
        let value: [String: Any] = ["sid": "SM1", "status": "queued", "price": NSNull(), "num_segments": "1"]
        let reference = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        #expect(try SortedJSON.data(value) == reference)
    }

    @Test func refusesValuesJSONCannotHold() {
        #expect(throws: EncodingError.self) { try SortedJSON.data(["when": Date()]) }
        #expect(throws: EncodingError.self) { try SortedJSON.data([1: "numeric key"]) }
    }
}
