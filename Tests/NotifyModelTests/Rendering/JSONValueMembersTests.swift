import Foundation
import NotifyModel
import Testing

/// `JSONValue.members(named:parsing:)` gives the named members of what `object(parsing:)` gives,
/// and refuses what it refuses, with the same words.
@Suite struct JSONValueMembersTests {
    static let nameSets: [Set<String>] = [[], ["a"], ["a", "s", "nested", "same", "order", "missing"], ["c", "hex"]]

    @Test(arguments: JSONValueParsingTests.valid)
    func givesTheNamedMembers(_ text: String) throws {
        let whole = try JSONValue.object(parsing: text)
        for names in Self.nameSets {
            #expect(try JSONValue.members(named: names, parsing: text) == whole.filter { names.contains($0.key) })
        }
        let every = Set(whole.keys)
        #expect(try JSONValue.members(named: every, parsing: text) == whole)
    }

    @Test(
        arguments: JSONValueParsingTests.invalid + [
            #"{"a":1,}"#, #"{"a":[1,]}"#, #"{"a":{"b":1,}}"#, #"{"a":[1,2}"#,
            #"{"skip":"\ud83d","a":1}"#, #"{"skip":{"x":[1,{"y":"\q"}]},"a":1}"#,
            #"{"a":"# + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}",
        ])
    func refusesWithTheSameWords(_ text: String) {
        let expected = Self.failure { _ = try JSONValue.object(parsing: text) }
        #expect(expected != nil, "\(text)")
        for names in Self.nameSets {
            #expect(Self.failure { _ = try JSONValue.members(named: names, parsing: text) } == expected, "\(text)")
        }
    }

    @Test func keepsTheFirstOfARepeatedName() throws {
        #expect(try JSONValue.members(named: ["sid"], parsing: #"{"sid":"SM1","x":[],"sid":"SM2"}"#) == ["sid": "SM1"])
        let allowed = String(repeating: "[", count: 400) + String(repeating: "]", count: 400)
        #expect(try JSONValue.members(named: ["b"], parsing: #"{"a":\#(allowed),"b":true}"#) == ["b": true])
    }

    static func failure(_ read: () throws -> Void) -> String? {
        do {
            try read()
            return nil
        } catch DecodingError.dataCorrupted(let context) {
            return context.debugDescription
        } catch {
            return "\(error)"
        }
    }
}
