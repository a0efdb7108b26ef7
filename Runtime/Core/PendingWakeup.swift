import Logging
import NotifyFunctionKit
import PostgresNIO

/// The wake-up notifications an enqueue left for its caller to send once its transaction has
/// committed (``JobProducer/enqueue(_:on:wakingAfterCommit:)``).
///
/// PostgreSQL serialises every committing transaction that sent a NOTIFY on one database-wide lock,
/// and holds that lock until the commit has reached the disk. A durable transaction that rings
/// therefore makes every other ringing commit wait for its flush, one after the other: under a
/// campaign's write load, when a flush takes tens of milliseconds, fifty one-time passcodes a
/// second queued for hundreds of milliseconds behind each other. Rung after the commit, in a
/// transaction of its own that does not wait for the disk, a wake-up holds the lock only for a
/// moment, and the durable commits flush together again.
public struct PendingWakeup: Sendable, Hashable {
    /// The queues whose workers are to be woken.
    public internal(set) var queues: [String]

    /// No queue to wake.
    public static let none = PendingWakeup(queues: [])

    /// True when there is nothing to send.
    public var isEmpty: Bool { queues.isEmpty }

    /// Rings for the queues on `connection`, outside any transaction of the caller's: one statement
    /// whose own transaction commits without waiting for the disk (a wake-up is only a hint; the
    /// jobs it announces are already durable). A failure is logged and otherwise ignored: the
    /// workers find the jobs at their next poll.
    public func send(on connection: PostgresConnection, logger: Logger) async {
        guard !isEmpty else { return }
        do {
            _ = try await AutoPreparedStatement.run(
                """
                WITH setting AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true) AS value)
                SELECT pg_notify('notify_jobs', q) FROM setting, unnest(\(queues)::text[]) AS q
                """, on: connection, logger: logger)
        } catch {
            logger.debug("wake-up notification failed; workers will poll", metadata: ["error": "\(error)"])
        }
    }

    /// Runs `body` in a transaction on a connection of `client`'s and, once that has committed,
    /// sends the wake-up `body` returned, on the same connection; returns `body`'s value.
    public static func afterTransaction<Value: Sendable>(
        on client: PostgresClient, logger: Logger,
        _ body: (PostgresConnection) async throws -> (Value, PendingWakeup)
    ) async throws -> Value {
        try await client.withConnection { connection in
            let (value, wakeup) = try await connection.withTransaction(logger: logger) { try await body($0) }
            await wakeup.send(on: connection, logger: logger)
            return value
        }
    }

    /// Rings for the queues on a connection of `client`'s (see ``send(on:logger:)``).
    public func send(with client: PostgresClient, logger: Logger) async {
        guard !isEmpty else { return }
        do {
            try await client.withConnection { connection in await send(on: connection, logger: logger) }
        } catch {
            logger.debug("wake-up notification failed; workers will poll", metadata: ["error": "\(error)"])
        }
    }
}
