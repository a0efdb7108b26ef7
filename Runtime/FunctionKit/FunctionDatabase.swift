import Logging
import PostgresNIO

/// Read access to the database for a function.
///
/// Functions read through this and return their writes in ``FunctionOutput/writes``, so that the
/// writes commit atomically with the job's completion.
public struct FunctionDatabase: Sendable {
    /// The pool the runtime shares with its functions.
    public let client: PostgresClient

    /// Wraps a client.
    public init(client: PostgresClient) { self.client = client }

    /// Runs a query and collects its rows.
    public func query(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await AutoPreparedStatement.run(query, on: client, logger: logger)
    }
}
