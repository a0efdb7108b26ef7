/// One versioned schema change. Migrations are applied in order, each in its own transaction,
/// and never edited once released: a change is a new migration.
public struct Migration: Sendable {
    /// Strictly increasing version.
    public let version: Int
    /// A short name, shown by `notify migrate`.
    public let name: String
    /// The SQL, run as one multi-statement simple query inside the migration's transaction.
    public let sql: String

    /// Creates a migration.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
