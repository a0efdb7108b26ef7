import Foundation
import NotifyModel
import Testing

@Suite struct DigestSettingsTests {
    func parse(_ json: String) throws(ModelError) -> DigestSettings {
        let value = try! JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        return try DigestSettings.parse(value)
    }

    @Test func readsACompleteDigest() throws {
        let settings = try parse(#"{"window_seconds":3600,"max_items":50,"template":"daily-digest","mode":"over_cap"}"#)
        #expect(
            settings == DigestSettings(windowSeconds: 3600, maxItems: 50, templateKey: "daily-digest", mode: .overCap))
        #expect(try parse(#"{"window_seconds":5,"max_items":2,"template":"d"}"#).mode == .always)
    }

    @Test(arguments: [
        (#"[]"#, "must be an object"),
        (#"{"max_items":5,"template":"d"}"#, "window_seconds is required"),
        (#"{"window_seconds":0,"max_items":5,"template":"d"}"#, "window_seconds is 0"),
        (#"{"window_seconds":2.5,"max_items":5,"template":"d"}"#, "window_seconds must be a whole number of seconds"),
        (#"{"window_seconds":60,"max_items":1,"template":"d"}"#, "max_items is 1"),
        (#"{"window_seconds":60,"max_items":5000,"template":"d"}"#, "max_items is 5000"),
        (#"{"window_seconds":60,"max_items":5,"template":"Bad Key"}"#, "template must name"),
        (#"{"window_seconds":60,"max_items":5,"template":"d","mode":"hourly"}"#, "mode must be"),
        (#"{"window_seconds":60,"max_items":5,"template":"d","size":3}"#, "unknown field \"size\""),
    ])
    func refusesBadSettingsWithASentence(json: String, fragment: String) {
        do {
            _ = try parse(json)
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.code == "invalid_digest")
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test func theCapActionAndTheModeMustAgree() throws {
        let overCap = DigestSettings(windowSeconds: 60, maxItems: 5, templateKey: "d", mode: .overCap)
        let always = DigestSettings(windowSeconds: 60, maxItems: 5, templateKey: "d", mode: .always)
        #expect(throws: ModelError.self) { try DigestSettings.check(nil, capAction: .digest) }
        #expect(throws: ModelError.self) { try DigestSettings.check(always, capAction: .digest) }
        #expect(throws: ModelError.self) { try DigestSettings.check(overCap, capAction: .defer) }
        try DigestSettings.check(overCap, capAction: .digest)
        try DigestSettings.check(always, capAction: .drop)
        try DigestSettings.check(nil, capAction: .defer)
    }
}
