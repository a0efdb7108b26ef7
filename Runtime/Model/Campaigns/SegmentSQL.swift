import Foundation
import PostgresNIO

/// Turns a ``SegmentFilter`` into a SQL condition over `notify.users` (aliased `u`), with every
/// value and key path passed as a bind parameter: nothing a tenant writes becomes SQL text.
public struct SegmentSQL: Sendable {
    /// The condition, with placeholders numbered from the `firstPlaceholder` given to ``init``.
    public private(set) var condition: String
    /// The bind values, in placeholder order (all text; the SQL casts them).
    public private(set) var binds: [String]

    /// Compiles `filter`; its placeholders start at `$firstPlaceholder`.
    public init(_ filter: SegmentFilter, firstPlaceholder: Int) {
        var binds: [String] = []
        condition = Self.compile(filter, first: firstPlaceholder, binds: &binds)
        self.binds = binds
    }

    /// A query of `sql` whose `$1…$n` placeholders are `leading`, followed by this filter's binds
    /// (so the filter must have been compiled with `firstPlaceholder: leading.count + 1`).
    public func query(_ sql: String, leading: [any PostgresDynamicTypeEncodable]) throws -> PostgresQuery {
        var bindings = PostgresBindings(capacity: leading.count + binds.count)
        for value in leading { bindings.append(value) }
        for value in binds { bindings.append(value) }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    private static func compile(_ filter: SegmentFilter, first: Int, binds: inout [String]) -> String {
        switch filter {
        case .all(let children):
            guard !children.isEmpty else { return "true" }
            return "(" + children.map { compile($0, first: first, binds: &binds) }.joined(separator: " AND ") + ")"
        case .any(let children):
            guard !children.isEmpty else { return "false" }
            return "(" + children.map { compile($0, first: first, binds: &binds) }.joined(separator: " OR ") + ")"
        case .not(let child):
            return "(NOT coalesce(\(compile(child, first: first, binds: &binds)), false))"
        case .condition(let condition):
            return compile(condition, first: first, binds: &binds)
        }
    }

    private static func compile(_ condition: SegmentCondition, first: Int, binds: inout [String]) -> String {
        func bind(_ text: String) -> String {
            binds.append(text)
            return "$\(first + binds.count - 1)"
        }
        let field: String
        switch condition.field {
        case .data(let keys): field = "(u.data #> \(bind("{" + keys.joined(separator: ",") + "}"))::text[])"
        case .column(let column): field = "to_jsonb(u.\(column))"
        }
        let value = condition.value.jsonText
        switch condition.op {
        case .exists: return "(\(field) IS NOT NULL AND \(field) <> 'null'::jsonb)"
        case .missing: return "(\(field) IS NULL OR \(field) = 'null'::jsonb)"
        case .eq: return "coalesce(\(field) = \(bind(value))::jsonb, false)"
        case .ne: return "(\(field) IS DISTINCT FROM \(bind(value))::jsonb)"
        case .in: return "coalesce(\(bind(value))::jsonb @> jsonb_build_array(\(field)), false)"
        case .notIn: return "NOT coalesce(\(bind(value))::jsonb @> jsonb_build_array(\(field)), false)"
        case .contains:
            return
                "coalesce(jsonb_typeof(\(field)) = 'array' AND \(field) @> jsonb_build_array(\(bind(value))::jsonb), false)"
        case .gt, .gte, .lt, .lte:
            let symbol = [SegmentCondition.Operator.gt: ">", .gte: ">=", .lt: "<", .lte: "<="][condition.op]!
            let placeholder = bind(value)
            return
                "coalesce(jsonb_typeof(\(field)) = jsonb_typeof(\(placeholder)::jsonb) AND \(field) \(symbol) \(placeholder)::jsonb, false)"
        }
    }
}
