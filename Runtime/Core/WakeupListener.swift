import Logging
import NIOCore
import NIOPosix
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
                let connection = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(),
                    configuration: databaseURL.connectionConfiguration(applicationName: "notify-listen"),
                    id: 1, logger: logger)
                try await withTaskCancellationHandler {
                    try await connection.listen(on: Self.channel) { notifications in
                        if failures > 0 { logger.info("wake-up listener reconnected") }
                        failures = 0
                        doorbell.ring()
                        for try await notification in notifications where queues.contains(notification.payload) {
                            doorbell.ring()
                        }
                    }
                } onCancel: {
                    connection.close().whenComplete { _ in }
                }
                try? await connection.close()
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
