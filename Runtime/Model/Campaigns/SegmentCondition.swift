import Foundation

/// One comparison of a ``SegmentFilter``: a user field, an operator and (for most operators) a value.
public struct SegmentCondition: Sendable, Hashable {
    /// What a condition compares.
    public enum Field: Sendable, Hashable {
        /// A key path into the user's custom data (`data.plan` → `["plan"]`).
        case data([String])
        /// The user's locale, time zone or external id.
        case column(String)
    }

    /// How a condition compares.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case eq, ne, `in`, notIn = "not_in", gt, gte, lt, lte, contains, exists, missing
    }

    /// The field.
    public var field: Field
    /// The operator.
    public var op: Operator
    /// The value (`null` for `exists` and `missing`).
    public var value: JSONValue

    static let columns: Set<String> = ["locale", "timezone", "external_id"]

    static func parse(_ object: [String: JSONValue], at path: String) throws -> SegmentCondition {
        let unknown = Set(object.keys).subtracting(["field", "op", "value"])
        if let extra = unknown.sorted().first {
            throw SegmentFilter.invalid(
                path, "has the unknown key \"\(extra)\"; a condition has \"field\", \"op\" and \"value\"")
        }
        guard case .string(let name)? = object["field"] else {
            throw SegmentFilter.invalid(
                "\(path).field", "must be \"data.<key>\", \"locale\", \"timezone\" or \"external_id\"")
        }
        let field = try parseField(name, at: "\(path).field")
        guard case .string(let opName)? = object["op"], let op = Operator(rawValue: opName) else {
            throw SegmentFilter.invalid(
                "\(path).op", "must be one of \(Operator.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let value = object["value"] ?? .null
        try check(value, for: op, at: "\(path).value")
        return SegmentCondition(field: field, op: op, value: value)
    }

    static func parseField(_ name: String, at path: String) throws -> Field {
        if columns.contains(name) { return .column(name) }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        guard parts.count >= 2, parts.count <= 6, parts[0] == "data",
            parts.dropFirst().allSatisfy({ (1...64).contains($0.count) && $0.allSatisfy(allowed.contains) })
        else {
            throw SegmentFilter.invalid(
                path,
                "is \"\(name.prefix(80))\"; use \"data.<key>\" (keys of letters, digits, '_' or '-', up to 5 levels), \"locale\", \"timezone\" or \"external_id\""
            )
        }
        return .data(Array(parts.dropFirst()))
    }

    static func check(_ value: JSONValue, for op: Operator, at path: String) throws {
        func isScalar(_ value: JSONValue) -> Bool {
            switch value {
            case .string, .number, .bool: return true
            default: return false
            }
        }
        switch op {
        case .exists, .missing:
            guard value == .null else { throw SegmentFilter.invalid(path, "must be left out for \"\(op.rawValue)\"") }
        case .eq, .ne, .contains:
            guard isScalar(value) else {
                throw SegmentFilter.invalid(path, "must be a string, number or boolean for \"\(op.rawValue)\"")
            }
        case .in, .notIn:
            guard case .array(let items) = value, (1...1000).contains(items.count), items.allSatisfy(isScalar) else {
                throw SegmentFilter.invalid(
                    path, "must be a list of 1 to 1000 strings, numbers or booleans for \"\(op.rawValue)\"")
            }
        case .gt, .gte, .lt, .lte:
            switch value {
            case .string, .number: break
            default:
                throw SegmentFilter.invalid(path, "must be a number or a string for \"\(op.rawValue)\"")
            }
        }
    }

    var json: JSONValue {
        let name: String
        switch field {
        case .data(let keys): name = (["data"] + keys).joined(separator: ".")
        case .column(let column): name = column
        }
        var object: [String: JSONValue] = ["field": .string(name), "op": .string(op.rawValue)]
        if value != .null { object["value"] = value }
        return .object(object)
    }
}
