import Logging
import PostgresNIO
import Synchronization

/// Announces this worker's bulk cuts to every worker, on the wake-up channel.
///
/// ``BulkGovernor`` raises it (at most once per ``BulkGovernor/signalInterval``) from the
/// completion path, which must not wait for a round trip; ``run(client:workerID:logger:)``
/// sends the NOTIFY on the critical pool. Raises that come while one is being sent are one signal.
final class PressureSignal: Sendable {
    private let pending = Mutex(false)
    private let doorbell = Doorbell()

    /// Asks for one announcement.
    func raise() {
        pending.withLock { $0 = true }
        doorbell.ring()
    }

    /// Sends each raised announcement until cancelled. A failed send is dropped: the signal is a
    /// hint, and the next slow completion raises another.
    func run(client: PostgresClient, workerID: String, logger: Logger) async {
        let payload = WakeupListener.pressurePayload(from: workerID)
        while !Task.isCancelled {
            await doorbell.wait(timeout: .seconds(1))
            guard
                pending.withLock({ raised in
                    defer { raised = false }; return raised
                })
            else { continue }
            do {
                try await client.query(
                    "SELECT pg_notify(\(WakeupListener.channel), \(payload))", logger: logger)
            } catch {
                logger.debug("could not announce a bulk cut", metadata: ["error": "\(LogSafeError.describe(error))"])
            }
        }
    }
}
