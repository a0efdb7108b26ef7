import Foundation
import PostgresNIO

/// A write that takes its rows as parallel arrays, so that the runtime can run the same statement
/// once for many jobs: the rows of every job completed in the same transaction are concatenated
/// and bound as one set of arrays.
///
/// The statement reads its parameters `$1 … $n` as arrays, one per column, usually through
/// `unnest($1::bigint[], $2::text[], …)`. It must give the same result for the rows of many jobs
/// at once as for each job's rows alone, in any order: no `ON CONFLICT DO UPDATE` on a key two jobs
/// could share, no reliance on row order.
///
/// Add one to an output with ``FunctionOutput/appendMergeable(_:)``: the output's ``FunctionOutput/writes``
/// then hold its ``query`` (this job's rows alone), so anything that runs the writes one by one
/// still gets the same result.
public struct MergeableWrite: Sendable {
    /// One column of rows: the values of one parameter.
    public enum Column: Sendable {
        case bigint([Int64])
        case text([String])
        case uuid([UUID])

        var count: Int {
            switch self {
            case .bigint(let values): values.count
            case .text(let values): values.count
            case .uuid(let values): values.count
            }
        }

        /// Appends `other`'s values; false (and nothing appended) when its type differs.
        mutating func append(_ other: Column) -> Bool {
            switch (self, other) {
            case (.bigint(var left), .bigint(let right)):
                self = .bigint([])
                left.append(contentsOf: right)
                self = .bigint(left)
            case (.text(var left), .text(let right)):
                self = .text([])
                left.append(contentsOf: right)
                self = .text(left)
            case (.uuid(var left), .uuid(let right)):
                self = .uuid([])
                left.append(contentsOf: right)
                self = .uuid(left)
            default:
                return false
            }
            return true
        }

        func bind(into bindings: inout PostgresBindings) {
            switch self {
            case .bigint(let values): bindings.append(values)
            case .text(let values): bindings.append(values)
            case .uuid(let values): bindings.append(values)
            }
        }
    }

    /// The statement, with one array parameter per column.
    public let sql: String
    /// The rows, one array per parameter, all of the same length.
    public private(set) var columns: [Column]

    /// Creates a write of `columns` (all of one length) through `sql`.
    public init(sql: String, columns: [Column]) {
        precondition(
            Set(columns.map(\.count)).count <= 1, "every column of a mergeable write has one value per row")
        self.sql = sql
        self.columns = columns
    }

    /// The number of rows.
    public var rowCount: Int { columns.first?.count ?? 0 }

    /// The statement with these rows bound: what runs when nothing is merged with it.
    public var query: PostgresQuery {
        var bindings = PostgresBindings(capacity: columns.count)
        for column in columns { column.bind(into: &bindings) }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    /// One write with the rows of all `writes`, in order, or nil when they are not all the same
    /// statement with the same column types.
    public static func merged(_ writes: [MergeableWrite]) -> MergeableWrite? {
        guard let first = writes.first else { return nil }
        var columns = first.columns
        for write in writes.dropFirst() {
            guard write.sql == first.sql, write.columns.count == columns.count else { return nil }
            for index in columns.indices {
                guard columns[index].append(write.columns[index]) else { return nil }
            }
        }
        return MergeableWrite(sql: first.sql, columns: columns)
    }
}
