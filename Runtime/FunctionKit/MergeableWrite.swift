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
/// then hold its statement in its place, and ``FunctionOutput/runnableWrites`` its ``query`` (this
/// job's rows alone), so anything that runs the writes one by one still gets the same result.
public struct MergeableWrite: Sendable {
    /// One column of rows: the values of one parameter.
    public enum Column: Sendable {
        case bigint([Int64])
        case text([String])
        case uuid([UUID])
        /// One value for each of `count` rows, held once: no array is built for it until the rows
        /// are bound (a job's tenant, notification or single progress row, for example).
        case repeatedBigint(Int64, count: Int)
        /// One text value for each of `count` rows (see ``repeatedBigint(_:count:)``).
        case repeatedText(String, count: Int)
        /// One UUID for each of `count` rows (see ``repeatedBigint(_:count:)``).
        case repeatedUUID(UUID, count: Int)

        var count: Int {
            switch self {
            case .bigint(let values): values.count
            case .text(let values): values.count
            case .uuid(let values): values.count
            case .repeatedBigint(_, let count), .repeatedText(_, let count), .repeatedUUID(_, let count): count
            }
        }

        /// The column's SQL type, whether its values are listed or repeated.
        private enum ValueType { case bigint, text, uuid }

        private var valueType: ValueType {
            switch self {
            case .bigint, .repeatedBigint: .bigint
            case .text, .repeatedText: .text
            case .uuid, .repeatedUUID: .uuid
            }
        }

        /// The values of column `index` of every write in `writes`, in order, in one array of
        /// `rows` values; nil when a write's column there has another type than the first's.
        ///
        /// Each type's array is built once, with its final capacity: appending column by column
        /// to an enum payload copied the array on every append (the payload is not uniquely
        /// referenced while bound), which made merging n writes cost n allocations and n²/2 copies.
        static func concatenating(_ writes: [MergeableWrite], at index: Int, rows: Int) -> Column? {
            /// Every write's values of the column, listed or repeated; nil at a column of another type.
            func gather<Value>(_ values: (Column) -> (listed: [Value]?, repeated: (Value, Int)?)) -> [Value]? {
                var all: [Value] = []
                all.reserveCapacity(rows)
                for write in writes {
                    switch values(write.columns[index]) {
                    case (let listed?, _): all.append(contentsOf: listed)
                    case (nil, let (value, count)?): all.append(contentsOf: repeatElement(value, count: count))
                    case (nil, nil): return nil
                    }
                }
                return all
            }
            switch writes[0].columns[index].valueType {
            case .bigint:
                return gather { column -> (listed: [Int64]?, repeated: (Int64, Int)?) in
                    switch column {
                    case .bigint(let values): (values, nil)
                    case .repeatedBigint(let value, let count): (nil, (value, count))
                    default: (nil, nil)
                    }
                }.map(Column.bigint)
            case .text:
                return gather { column -> (listed: [String]?, repeated: (String, Int)?) in
                    switch column {
                    case .text(let values): (values, nil)
                    case .repeatedText(let value, let count): (nil, (value, count))
                    default: (nil, nil)
                    }
                }.map(Column.text)
            case .uuid:
                return gather { column -> (listed: [UUID]?, repeated: (UUID, Int)?) in
                    switch column {
                    case .uuid(let values): (values, nil)
                    case .repeatedUUID(let value, let count): (nil, (value, count))
                    default: (nil, nil)
                    }
                }.map(Column.uuid)
            }
        }

        func bind(into bindings: inout PostgresBindings) {
            switch self {
            case .bigint(let values): bindings.append(values)
            case .text(let values): bindings.append(values)
            case .uuid(let values): bindings.append(values)
            case .repeatedBigint(let value, let count): bindings.append(Array(repeating: value, count: count))
            case .repeatedText(let value, let count): bindings.append(Array(repeating: value, count: count))
            case .repeatedUUID(let value, let count): bindings.append(Array(repeating: value, count: count))
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
            columns.allSatisfy { $0.count == columns[0].count },
            "every column of a mergeable write has one value per row")
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
        guard writes.count > 1 else { return first }
        var rows = 0
        for write in writes {
            guard write.sql == first.sql, write.columns.count == first.columns.count else { return nil }
            rows += write.rowCount
        }
        var columns: [Column] = []
        columns.reserveCapacity(first.columns.count)
        for index in first.columns.indices {
            guard let column = Column.concatenating(writes, at: index, rows: rows) else { return nil }
            columns.append(column)
        }
        return MergeableWrite(sql: first.sql, columns: columns)
    }
}
