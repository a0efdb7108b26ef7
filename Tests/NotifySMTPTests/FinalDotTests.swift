import Foundation
import NotifyProviders
import NotifySMTP
import Testing

@Suite("SMTP outcome after the final dot")
struct FinalDotTests {
    @Test("a disconnect after the final dot is an unknown outcome; a 451 there is transient")
    func afterFinalDot() async throws {
        let server = try await Fixtures.startServer(rules: [
            SMTPFaultRule(match: .address("cut@example.net"), stage: .endOfData, action: .disconnect),
            .reply("451 4.3.0 queue full", for: .address("busy@example.net"), at: .endOfData),
        ])
        let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: server.port!))
        let cut = await provider.send(
            .email(Fixtures.email(to: "cut@example.net")), timeout: .seconds(5), logger: Fixtures.logger)
        #expect(cut.failure?.kind == .unknownOutcome, "\(cut)")
        #expect(cut.failure?.code == "network_closed")
        let busy = await provider.send(
            .email(Fixtures.email(to: "busy@example.net")), timeout: .seconds(5), logger: Fixtures.logger)
        #expect(busy.failure?.kind == .transient, "\(busy)")
        #expect(busy.failure?.code == "smtp_451")
        #expect(server.statistics.messagesAccepted == 0)
        await provider.shutdown()
        await server.stop()
    }
}
