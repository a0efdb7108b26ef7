import Logging
import PostgresNIO

/// Listens for wake-up notifications on a dedicated connection and rings the worker's doorbell.
///
/// Producers send `pg_notify('notify_jobs', <queue>)`. A notification is only a hint: the worker
/// also polls. After a lost connection the listener reconnects with backoff and rings once, since
/// notifications sent meanwhile are gone.
struct WakeupListener: Sendable {
    /// The channel producers notify.
    static let channel = "notify_jobs"

    let databaseURL: DatabaseURL
    let queues: Set<String>
    let doorbell: Doorbell
    let logger: Logger

    func run() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await DedicatedConnection.with(databaseURL, name: "notify-listen", id: 1, logger: logger) {
                    connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        if failures > 0 { logger.info("wake-up listener reconnected") }
                        failures = 0
                        doorbell.ring()
                        for try await notification in notifications where queues.contains(notification.payload) {
                            doorbell.ring()
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                failures += 1
                logger.warning(
                    "wake-up listener lost its connection; polling until it is back",
                    metadata: ["error": "\(String(reflecting: error))", "failures": "\(failures)"])
            }
            try? await Task.sleep(for: .milliseconds(min(2000, 50 << min(failures, 6))))
        }
    }
}
