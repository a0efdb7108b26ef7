import Foundation
import NotifyProviders
import NotifySMTP
import Testing

@Suite("SMTP cancellation")
struct CancellationTests {
    @Test("cancelling a send that waits on a silent server ends it at once, not at the deadline")
    func cancelWhileWaiting() async throws {
        let server = try await Fixtures.startServer()
        server.setReplyDelay(.seconds(60))
        let provider = try SMTPProvider(
            configuration: Fixtures.clientConfiguration(port: server.port!, replyTimeout: 60))
        let clock = ContinuousClock()
        let task = Task {
            await provider.send(.email(Fixtures.email()), timeout: .seconds(60), logger: Fixtures.logger)
        }
        #expect(await PoolAndLifecycleTests.eventually { server.statistics.openConnections == 1 })
        let cancelledAt = clock.now
        task.cancel()
        let outcome = await task.value
        #expect(clock.now - cancelledAt < .seconds(5))
        #expect(outcome.failure?.kind == .transient, "\(outcome)")
        await provider.shutdown()
        await server.stop()
    }
}
