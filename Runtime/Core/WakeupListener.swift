import Logging
import PostgresNIO

/// Listens for wake-up notifications on a dedicated connection and rings the worker's doorbell.
///
/// Producers send `pg_notify('notify_jobs', <queue>)`. A notification is only a hint: the worker
/// also polls. After a lost connection the listener reconnects with backoff and rings once, since
/// notifications sent meanwhile are gone.
///
/// Workers also announce a cut of their bulk work on the same channel
/// (``pressurePayload(from:)``); the listener hands those to `onPressure` with the sender's id.
struct WakeupListener: Sendable {
    /// The channel producers notify.
    static let channel = "notify_jobs"
    /// The payload prefix of a bulk cut announced by a worker; no queue name starts with `!`.
    static let pressurePrefix = "!pressure "

    /// The payload announcing that worker `workerID` cut its bulk work.
    static func pressurePayload(from workerID: String) -> String { pressurePrefix + workerID }

    let databaseURL: DatabaseURL
    let queues: Set<String>
    let doorbell: Doorbell
    let logger: Logger
    var onPressure: @Sendable (_ sender: String) -> Void = { _ in }

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
                        for try await notification in notifications {
                            let payload = notification.payload
                            if queues.contains(payload) {
                                doorbell.ring()
                            } else if payload.hasPrefix(Self.pressurePrefix) {
                                onPressure(String(payload.dropFirst(Self.pressurePrefix.count)))
                            }
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                failures += 1
                logger.warning(
                    "wake-up listener lost its connection; polling until it is back",
                    metadata: ["error": "\(LogSafeError.describe(error))", "failures": "\(failures)"])
            }
            try? await Task.sleep(for: .milliseconds(min(2000, 50 << min(failures, 6))))
        }
    }
}
