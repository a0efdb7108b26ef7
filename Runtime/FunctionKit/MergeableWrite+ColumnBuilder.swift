import Foundation

extension MergeableWrite {
    /// Collects one column's values row by row, and holds them as one repeated value for as long as
    /// they are all equal: the columns of a one-row write (a single recipient's delivery, say) cost
    /// no array, and neither does a column that repeats its first value for every row.
    public struct ColumnBuilder<Value: Equatable & Sendable>: Sendable {
        /// The first value, while every value so far equals it.
        private var first: Value?
        /// Every value, once two differ.
        private var values: [Value]?
        /// The number of values appended.
        public private(set) var count = 0

        /// Creates an empty column.
        public init() {}

        /// Appends the value of the next row.
        public mutating func append(_ value: Value) {
            defer { count += 1 }
            if values != nil {
                values?.append(value)
                return
            }
            guard let first else {
                first = value
                return
            }
            if first != value {
                var all = Array(repeating: first, count: count)
                all.append(value)
                values = all
            }
        }

        /// The values as an array, for a column that is not bound as such.
        public var array: [Value] {
            values ?? (first.map { Array(repeating: $0, count: count) } ?? [])
        }

        fileprivate func column(listed: ([Value]) -> Column, repeated: (Value, Int) -> Column) -> Column {
            if let values { return listed(values) }
            guard let first else { return listed([]) }
            return repeated(first, count)
        }
    }
}

extension MergeableWrite.ColumnBuilder where Value == String {
    /// The column: its values listed, or one repeated for every row.
    public var column: MergeableWrite.Column {
        column(listed: { .text($0) }, repeated: { .repeatedText($0, count: $1) })
    }
}

extension MergeableWrite.ColumnBuilder where Value == Int64 {
    /// The column: its values listed, or one repeated for every row.
    public var column: MergeableWrite.Column {
        column(listed: { .bigint($0) }, repeated: { .repeatedBigint($0, count: $1) })
    }
}

extension MergeableWrite.ColumnBuilder where Value == UUID {
    /// The column: its values listed, or one repeated for every row.
    public var column: MergeableWrite.Column {
        column(listed: { .uuid($0) }, repeated: { .repeatedUUID($0, count: $1) })
    }
}
