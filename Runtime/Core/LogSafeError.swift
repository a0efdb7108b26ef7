import PostgresNIO

/// An error described for a log line without the data it may carry.
///
/// `String(reflecting:)` of a `PSQLError` prints the server's `detail` ("Failing row contains
/// (…)", "Key (email)=(…) already exists"), `hint`, `where` and the query; of a
/// `PostgresDecodingError`, the cell's bytes. Those hold the rows' values: addresses, names,
/// message content. ``describe(_:)`` keeps what an operator acts on — the SQLSTATE, the
/// constraint, table and column, and the server's message where its class never quotes values —
/// and looks inside `PostgresTransactionError`. Other errors are described as before.
public enum LogSafeError {
    /// SQLSTATE classes whose messages name objects only, never values: connection (08),
    /// integrity constraints (23), transaction rollback (40), syntax and access (42), resources
    /// (53, 54), object state (55), operator intervention (57), system (58) and internal (XX).
    /// Data exceptions (22) quote the input ("invalid input syntax for type uuid: …") and
    /// `RAISE` (P0) messages may interpolate anything, so theirs are left out.
    static let messageClasses: Set<String> = ["08", "23", "40", "42", "53", "54", "55", "57", "58", "XX"]

    /// `error` for a log's `error` metadata: no row values, no query, no bound parameters.
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let error as PSQLError:
            return describe(error)
        case let error as PostgresDecodingError:
            return
                "PostgresDecodingError(code: \(error.code), column: \(error.columnName), index: \(error.columnIndex), "
                + "target: \(String(reflecting: error.targetType)), type: \(error.postgresType))"
        case let error as PostgresTransactionError:
            let parts: [(String, (any Error)?)] = [
                ("begin", error.beginError), ("closure", error.closureError), ("rollback", error.rollbackError),
                ("commit", error.commitError),
            ]
            let described = parts.compactMap { name, error in error.map { "\(name): \(describe($0))" } }
            return "PostgresTransactionError(\(described.joined(separator: ", ")))"
        default:
            return String(reflecting: error)
        }
    }

    /// As ``describe(_:)`` for database errors; any other error as `String(describing:)`, the
    /// one-line message its type chose (for an error message kept with a job, for example).
    public static func message(_ error: any Error) -> String {
        switch error {
        case is PSQLError, is PostgresDecodingError, is PostgresTransactionError: return describe(error)
        default: return String(describing: error)
        }
    }

    private static func describe(_ error: PSQLError) -> String {
        var fields = ["code: \(error.code)"]
        if let info = error.serverInfo {
            let state = info[.sqlState] ?? ""
            fields.append("sqlState: \(state)")
            let named: [(String, PSQLError.ServerInfo.Field)] = [
                ("schema", .schemaName), ("table", .tableName), ("column", .columnName),
                ("constraint", .constraintName), ("routine", .routine),
            ]
            for (name, field) in named {
                if let value = info[field] { fields.append("\(name): \(value)") }
            }
            if messageClasses.contains(String(state.prefix(2))), let message = info[.message] {
                fields.append("message: \(message)")
            }
        }
        if let underlying = error.underlying { fields.append("underlying: \(describe(underlying))") }
        return "PSQLError(\(fields.joined(separator: ", ")))"
    }
}
