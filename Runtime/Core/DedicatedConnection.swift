import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// A connection outside the pool, for work that needs one session: LISTEN, claiming, leadership.
public enum DedicatedConnection {
    /// Connects, runs `body`, and closes the connection whatever happens; cancellation closes it
    /// at once, which ends any wait on it.
    ///
    /// With `closeOnCancel: false` the body must notice cancellation itself (its waits are
    /// cancellable sleeps); the connection then closes only after the body returned. Closing a
    /// connection under a query in flight has been seen to leave that query waiting forever, so
    /// only bodies that wait on the connection itself (LISTEN) should close on cancel.
    public static func with<T: Sendable>(
        _ url: DatabaseURL, name: String, id: Int, logger: Logger, closeOnCancel: Bool = true,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await connect(url, name: name, id: id, logger: logger)
        let result: Result<T, any Error>
        do {
            if closeOnCancel {
                result = .success(
                    try await withTaskCancellationHandler {
                        try await body(connection)
                    } onCancel: {
                        connection.close().whenComplete { _ in }
                    })
            } else {
                result = .success(try await body(connection))
            }
        } catch {
            result = .failure(error)
        }
        try? await connection.close()
        return try result.get()
    }

    /// Opens a connection; the caller must close it.
    public static func connect(
        _ url: DatabaseURL, name: String, id: Int, logger: Logger
    ) async throws -> PostgresConnection {
        try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(),
            configuration: url.connectionConfiguration(applicationName: name), id: id, logger: logger)
    }
}
