import NotifyModel
import Testing

@Suite struct ChannelTests {
    @Test func parsesKnownChannelsCaseInsensitively() throws {
        #expect(try Channel.parse("SMS") == .sms)
        #expect(Channel.inapp.sendFunction == "send-inapp")
    }

    @Test func unknownChannelNamesTheValidOnes() {
        #expect(throws: ModelError.self) { try Channel.parse("fax") }
        do {
            _ = try Channel.parse("fax")
        } catch {
            #expect(error.code == "unknown_channel")
            #expect(error.message.contains("email, sms, push, inapp, webhook"))
        }
    }
}
