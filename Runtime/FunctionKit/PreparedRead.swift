import Foundation
import Logging
import PostgresNIO
import Synchronization

/// A read that PostgreSQL plans once per connection instead of on every call: a hot query of a
/// function, run as a named prepared statement.
///
/// The statement is named after its call site, a type (`Site`, usually an empty enum next to the
/// query). Its SQL is the text of the first ``PostgresQuery`` run for that site; the values are the
/// query's bindings each time. A site must always produce the same SQL text (values only ever
/// travel as bindings); should one produce another text, that call runs unprepared, so a mistake
/// costs planning time, never a wrong statement.
struct PreparedRead<Site>: PostgresPreparedStatement {
    typealias Row = PostgresRow

    static var name: String { "notify_read_" + String(reflecting: Site.self) }
    static var sql: String { PreparedReadTexts.shared.text(for: ObjectIdentifier(Site.self)) ?? "" }

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// The SQL text of each prepared-read site, fixed by its first use.
final class PreparedReadTexts: Sendable {
    static let shared = PreparedReadTexts()
    /// `NOTIFY_PREPARED_READS=off` runs every read unprepared (for comparison, or for a pooler
    /// that cannot hold prepared statements).
    static let enabled = ProcessInfo.processInfo.environment["NOTIFY_PREPARED_READS"] != "off"
    private let texts = Mutex<[ObjectIdentifier: String]>([:])

    func text(for site: ObjectIdentifier) -> String? { texts.withLock { $0[site] } }

    /// Records `sql` for `site` if it has none; true when the site's text is `sql`.
    func adopt(_ sql: String, for site: ObjectIdentifier) -> Bool {
        texts.withLock { texts in
            if let known = texts[site] { return known == sql }
            texts[site] = sql
            return true
        }
    }
}

extension FunctionDatabase {
    /// Runs a read as a prepared statement named after `site` (see ``PreparedRead``) and collects
    /// its rows. Use it for a function's hot reads, whose planning would otherwise cost more than
    /// running them.
    public func prepared<Site>(
        _ site: Site.Type, _ query: PostgresQuery, logger: Logger
    ) async throws
        -> [PostgresRow]
    {
        guard PreparedReadTexts.enabled, PreparedReadTexts.shared.adopt(query.sql, for: ObjectIdentifier(site)) else {
            return try await self.query(query, logger: logger)
        }
        var rows: [PostgresRow] = []
        for try await row in try await client.execute(PreparedRead<Site>(bindings: query.binds), logger: logger) {
            rows.append(row)
        }
        return rows
    }
}
