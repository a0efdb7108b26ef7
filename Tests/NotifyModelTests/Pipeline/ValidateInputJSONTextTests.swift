import Foundation
import NotifyModel
import Testing

/// `ValidateInput.directlyDecoded(from:)` reads the first job's input as the decoder does, and
/// leaves everything else to the decoder.
@Suite struct ValidateInputJSONTextTests {
    static let id = "6F9619FF-8B86-D011-B42D-00C04FC964FF"

    @Test(arguments: [
        #"{"notification_id":"\#(id)","tenant_id":"acme"}"#,
        #"{"tenant_id":"acme","notification_id":"\#(id.lowercased())"}"#,
        #" { "tenant_id" : "a\u00e9\"b" , "notification_id" : "\#(id)", "cursor": null, "extra": [1, {"x": true}] } "#,
    ])
    func readsWhatTheDecoderReads(_ text: String) throws {
        let direct = try #require(ValidateInput.directlyDecoded(from: text))
        #expect(direct == (try JSONDecoder().decode(ValidateInput.self, from: Data(text.utf8))))
    }

    @Test(arguments: [
        #"{"tenant_id":"acme","notification_id":"\#(id)","cursor":42}"#,
        #"{"tenant_id":"acme","notification_id":"\#(id)","cursor":9007199254740993}"#,
        #"{"tenant_id":"acme","notification_id":"not-a-uuid"}"#,
        #"{"tenant_id":7,"notification_id":"\#(id)"}"#,
        #"{"notification_id":"\#(id)"}"#,
        #"{"tenant_id":"acme","notification_id":"\#(id)",}"#,
        #"["acme"]"#,
        "",
    ])
    func leavesTheRestToTheDecoder(_ text: String) {
        #expect(ValidateInput.directlyDecoded(from: text) == nil)
    }
}
