import PostgresNIO

/// How a benchmark's SQL producer accepts notifications: `notify.send` once per notification, or
/// `notify.send_many` once for a whole batch.
enum BenchSQLProducer: String, CaseIterable {
    /// `notify.send`, once per notification.
    case send = "sql"
    /// `notify.send_many`, once per batch.
    case sendMany = "sql-many"

    /// The function it calls.
    var function: String { self == .send ? "notify.send" : "notify.send_many" }

    /// The statement that accepts notifications `first...last` for tenant `bench` and category
    /// `alert`, each to one of `users` users, with `{"n": n}` as data.
    func statement(first: Int, last: Int, users: Int) -> PostgresQuery {
        switch self {
        case .send:
            return """
                SELECT notify.send('bench', 'alert', ARRAY['user-' || (n % \(users) + 1)], jsonb_build_object('n', n))
                FROM generate_series(\(first), \(last)) AS n
                """
        case .sendMany:
            return """
                SELECT count(*) FROM notify.send_many('bench', (
                    SELECT jsonb_agg(jsonb_build_object(
                        'category', 'alert', 'to', jsonb_build_object('user', 'user-' || (n % \(users) + 1)),
                        'data', jsonb_build_object('n', n)) ORDER BY n)
                    FROM generate_series(\(first), \(last)) AS n))
                """
        }
    }
}
