import Foundation
import Logging
import NIOCore
import NotifyRuntime
import PostgresNIO

/// A process's first contact with PostgreSQL, before its services start: a server that does not
/// answer is reported in the log while the process waits for it, and after ``patience`` the
/// command stops with a sentence that names the server and the last error, rather than after the
/// pool's own minute of silent retries with its internal error. A server that answers and refuses
/// (a wrong password, a database that does not exist) stops the command at once.
enum DatabaseReachability {
    /// How long a process waits for its database at start-up.
    static let patience: Duration = .seconds(60)

    /// Returns once a connection to `url` opens; logs a warning every few seconds until then.
    /// - Throws: ``RuntimeError`` (`database_unavailable`) after ``patience``.
    static func wait(for url: DatabaseURL, logger: Logger, patience: Duration = Self.patience) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + patience
        var lastWarning: ContinuousClock.Instant?
        while true {
            let reason: String
            do {
                let connection = try await DedicatedConnection.connect(url, name: "notify-start", id: 0, logger: logger)
                try? await connection.close()
                return
            } catch let error as PSQLError where error.serverInfo != nil {
                // The server answered and refused (a wrong password, no such database): waiting
                // would not change its answer.
                throw RuntimeError(
                    .databaseUnavailable,
                    "PostgreSQL at \(url) refused the connection: \(describe(error)); check DATABASE_URL")
            } catch {
                reason = describe(error)
            }
            let now = clock.now
            guard now < deadline else {
                throw RuntimeError(
                    .databaseUnavailable,
                    "cannot reach PostgreSQL at \(url) after \(patience.components.seconds) s (\(reason)); check DATABASE_URL and that the server runs"
                )
            }
            if lastWarning.map({ now - $0 >= .seconds(5) }) ?? true {
                logger.warning(
                    "waiting for the database", metadata: ["database": "\(url)", "error": "\(reason)"])
                lastWarning = now
            }
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// The part of a connection error a person can act on, without the password or the query.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return describe(underlying) }
            return "\(error.code)"
        }
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return describe(first.error)
        }
        return "\(type(of: error))"
    }
}
