import Foundation
import NotifyProviders
import NotifySMTP
import Testing

@Suite("SMTP envelopes with several recipients")
struct RecipientTests {
    @Test("one refused recipient among three: the others get the message", arguments: [true, false])
    func partialRefusal(pipelining: Bool) async throws {
        let server = SMTPServer(configuration: SMTPServerConfiguration(pipelining: pipelining), logger: Fixtures.logger)
        server.setRules([.reply("550 5.1.1 user unknown", for: .address("b@x.test"))])
        try await server.start()
        let client = try SMTPClient(configuration: Fixtures.clientConfiguration(port: server.port!))
        let receipt = try await client.send(
            envelope: SMTPEnvelope(from: "s@x.test", recipients: ["a@x.test", "b@x.test", "c@x.test"]),
            message: Array("Subject: hi\r\n\r\nbody\r\n".utf8), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(receipt.rejectedRecipients.keys.sorted() == ["b@x.test"])
        #expect(receipt.rejectedRecipients["b@x.test"]?.enhancedCode == "5.1.1")
        let message = try #require(await Fixtures.nextMessage(server))
        #expect(message.recipients == ["a@x.test", "c@x.test"])
        #expect((server.statistics.largestCommandBatch > 1) == pipelining)

        server.setRules([.reply("550 5.1.1 user unknown", for: .any)])
        await #expect {
            try await client.send(
                envelope: SMTPEnvelope(from: "s@x.test", recipients: ["a@x.test", "c@x.test"]),
                message: Array("Subject: hi\r\n\r\nbody\r\n".utf8), timeout: .seconds(10), logger: Fixtures.logger)
        } throws: { error in
            (error as? SMTPClientError)?.stage == .rcptTo && (error as? SMTPClientError)?.reply?.code == 550
        }
        server.setRules([])
        let after = try await client.send(
            envelope: SMTPEnvelope(from: "s@x.test", recipients: ["a@x.test"]),
            message: Array("Subject: again\r\n\r\nbody\r\n".utf8), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(after.reusedConnection)
        #expect(server.statistics.connectionsAccepted == 1)
        await client.shutdown()
        await server.stop()
    }
}
