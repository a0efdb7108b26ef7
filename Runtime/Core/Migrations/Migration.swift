import Foundation

/// One versioned schema change. Migrations are applied in order, each in its own transaction
/// (or, when ``transactional`` is false, statement by statement). What a released migration
/// leaves is never changed: a change is a new migration. Only how it runs may improve, as long as
/// it leaves the same schema (migration 12 now builds its index without blocking writes).
public struct Migration: Sendable {
    /// Strictly increasing version.
    public let version: Int
    /// A short name, shown by `notify migrate`.
    public let name: String
    /// The SQL: statements separated by `;` at the end of a line (outside `$$` bodies), run in order
    /// inside the migration's transaction (one at a time when ``transactional`` is false).
    public let sql: String
    /// False for a migration that builds indexes on busy tables with `CREATE INDEX CONCURRENTLY`,
    /// which cannot run inside a transaction and does not block writes while it builds. Its
    /// statements run one at a time; each must be safe to run again (`IF EXISTS`, a `DROP … IF
    /// EXISTS` before a `CREATE`), because a crash can stop such a migration part-way and the next
    /// migrator starts it over.
    public let transactional: Bool

    /// Creates a migration.
    public init(version: Int, name: String, sql: String, transactional: Bool = true) {
        self.version = version
        self.name = name
        self.sql = sql
        self.transactional = transactional
    }

    /// The statements of ``sql``, split on `;` at the end of a line outside `$$`-quoted bodies.
    public var statements: [String] {
        var statements: [String] = []
        var current = ""
        var insideDollarQuote = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("--") && current.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
            current += line + "\n"
            if line.components(separatedBy: "$$").count % 2 == 0 { insideDollarQuote.toggle() }
            if !insideDollarQuote && trimmed.hasSuffix(";") {
                statements.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }
}
