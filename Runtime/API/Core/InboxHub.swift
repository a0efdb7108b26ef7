import Logging
import NotifyRuntime
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Fans inbox announcements out to the live streams of this process.
///
/// `send-inapp` commits `pg_notify('notify_inbox', '<tenant>:<user id>')` with each new inbox item;
/// the hub LISTENs on a dedicated connection (reconnecting with backoff) and wakes every stream of
/// that user, which then reads its new items from the table. An announcement is only a hint: a
/// stream also re-reads after the hub reconnects, so nothing is missed while it was away.
public final class InboxHub: Service, Sendable {
    /// The PostgreSQL channel `send-inapp` announces on.
    public static let channel = "notify_inbox"

    /// The most live streams one user may have open in this process (each tab or device opens one).
    public static let streamsPerUser = 20

    /// The open streams, by user (`<tenant>:<user id>`, as announcements name them) and id: an
    /// announcement wakes its user's streams without looking at anyone else's.
    private struct Streams {
        var byUser: [String: [Int: AsyncStream<Void>.Continuation]] = [:]
        var count = 0
    }

    private let databaseURL: DatabaseURL
    private let logger: Logger
    private let streams = Mutex(Streams())
    private let nextID = Atomic<Int>(0)

    /// Creates a hub for a database.
    public init(databaseURL: DatabaseURL, logger: Logger) {
        self.databaseURL = databaseURL
        self.logger = logger
    }

    /// A stream that yields whenever the user may have new items; finish by cancelling the task
    /// that iterates it. Nil when the user already has ``streamsPerUser`` streams open here.
    public func subscribe(tenantID: String, userID: Int64) -> AsyncStream<Void>? {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let key = "\(tenantID):\(userID)"
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let admitted = streams.withLock { streams -> Int? in
            guard streams.byUser[key, default: [:]].count < Self.streamsPerUser else { return nil }
            streams.byUser[key, default: [:]][id] = continuation
            streams.count += 1
            return streams.count
        }
        guard let open = admitted else {
            continuation.finish()
            return nil
        }
        InboxMetrics.streams.record(open)
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            let open = streams.withLock { streams -> Int? in
                guard streams.byUser[key]?.removeValue(forKey: id) != nil else { return nil }
                streams.count -= 1
                if streams.byUser[key]?.isEmpty == true { streams.byUser[key] = nil }
                return streams.count
            }
            if let open { InboxMetrics.streams.record(open) }
        }
        return stream
    }

    /// The number of open streams.
    public var subscriberCount: Int { streams.withLock { $0.count } }

    /// How often every stream is woken even without news, so it can send a keep-alive and notice
    /// a client that went away.
    public static let heartbeat: Duration = .seconds(15)

    public func run() async throws {
        // Graceful shutdown cancels both loops, which closes the listening connection.
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.listen() }
                group.addTask {
                    while (try? await Task.sleep(for: Self.heartbeat)) != nil { self.wakeAll() }
                }
            }
        }
        finishAll()
    }

    private func listen() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await DedicatedConnection.with(databaseURL, name: "notify-inbox", id: 2, logger: logger) {
                    connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        failures = 0
                        self.wakeAll()
                        for try await notification in notifications {
                            self.wake(notification.payload)
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                failures += 1
                logger.warning(
                    "inbox listener lost its connection; reconnecting",
                    metadata: ["error": "\(LogSafeError.describe(error))", "failures": "\(failures)"])
            }
            try? await Task.sleep(for: .milliseconds(min(2000, 50 << min(failures, 6))))
        }
    }

    private func wake(_ key: String) {
        streams.withLock { streams in
            guard let user = streams.byUser[key] else { return }
            for continuation in user.values { continuation.yield() }
        }
    }

    private func wakeAll() {
        streams.withLock { streams in
            for user in streams.byUser.values {
                for continuation in user.values { continuation.yield() }
            }
        }
    }

    private func finishAll() {
        let all = streams.withLock { streams in
            defer { streams = Streams() }
            return streams.byUser.values.flatMap(\.values)
        }
        InboxMetrics.streams.record(0)
        for continuation in all { continuation.finish() }
    }
}
