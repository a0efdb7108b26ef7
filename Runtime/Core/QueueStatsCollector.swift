import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// Publishes per-queue gauges every few seconds: `notify_queue_ready`, `notify_queue_waiting`,
/// `notify_queue_in_flight`, `notify_queue_dead` and `notify_queue_oldest_ready_age_seconds`.
public struct QueueStatsCollector: Service {
    let inspector: QueueInspector
    let interval: Duration
    let logger: Logger

    /// Creates a collector.
    public init(client: PostgresClient, interval: Duration = .seconds(5), logger: Logger) {
        self.inspector = QueueInspector(client: client, logger: logger)
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    for status in try await inspector.queues() {
                        let dimensions = [("queue", status.queue)]
                        Gauge(label: "notify_queue_ready", dimensions: dimensions).record(status.ready)
                        Gauge(label: "notify_queue_waiting", dimensions: dimensions).record(status.waiting)
                        Gauge(label: "notify_queue_in_flight", dimensions: dimensions).record(status.inFlight)
                        Gauge(label: "notify_queue_dead", dimensions: dimensions).record(status.dead)
                        Gauge(label: "notify_queue_oldest_ready_age_seconds", dimensions: dimensions)
                            .record(status.oldestReadyAgeSeconds)
                    }
                } catch {
                    logger.debug("queue statistics unavailable", metadata: ["error": "\(LogSafeError.describe(error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
