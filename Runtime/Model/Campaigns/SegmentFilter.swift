import Foundation

/// A saved filter over a tenant's users: which users a segment (and a campaign aimed at it) reaches.
///
/// A filter is a tree of conditions:
///
/// ```json
/// {"all": [
///     {"field": "data.plan", "op": "in", "value": ["pro", "team"]},
///     {"any": [{"field": "locale", "op": "eq", "value": "pt-BR"},
///              {"field": "data.tags", "op": "contains", "value": "beta"}]},
///     {"not": {"field": "data.churned", "op": "eq", "value": true}}
/// ]}
/// ```
///
/// Fields are `data.<key>[.<key>…]` (the user's custom data), `locale`, `timezone` and
/// `external_id`. Operators: `eq`, `ne` (also true when the field is missing), `in`, `not_in`
/// (a list of scalars), `gt`, `gte`, `lt`, `lte` (a number or a string; only values of the same
/// JSON type compare), `contains` (the field is an array holding the value), `exists` and
/// `missing` (no value). ``SegmentSQL`` turns a filter into a parameterised SQL condition.
public indirect enum SegmentFilter: Sendable, Hashable {
    /// Every child matches (an empty list matches everyone).
    case all([SegmentFilter])
    /// At least one child matches.
    case any([SegmentFilter])
    /// The child does not match.
    case not(SegmentFilter)
    /// One comparison.
    case condition(SegmentCondition)

    /// The most conditions a filter may hold.
    public static let maximumConditions = 50
    /// The deepest nesting of `all`, `any` and `not`.
    public static let maximumDepth = 6

    /// Parses and checks a filter from its JSON form; errors have the code `invalid_segment_filter`
    /// and name the offending place (`filter.all[2].op`).
    public static func parse(_ json: JSONValue) throws -> SegmentFilter {
        var count = 0
        let filter = try parse(json, at: "filter", depth: 0, count: &count)
        return filter
    }

    private static func parse(
        _ json: JSONValue, at path: String, depth: Int, count: inout Int
    ) throws
        -> SegmentFilter
    {
        guard depth <= maximumDepth else {
            throw invalid(path, "nests deeper than \(maximumDepth) levels; flatten it")
        }
        guard case .object(let object) = json else {
            throw invalid(
                path, "must be an object: {\"all\": [...]}, {\"any\": [...]}, {\"not\": {...}} or a condition")
        }
        if object.count > 1, object.keys.contains(where: { ["all", "any", "not"].contains($0) }) {
            let quoted = object.keys.sorted().map { "\"\($0.prefix(40))\"" }
            let keys = quoted.dropLast().joined(separator: ", ") + " and " + quoted.last!
            throw invalid(
                path,
                "holds \(keys); a node takes exactly one of \"all\", \"any\" or \"not\", or a condition's \"field\", \"op\" and \"value\" — nest the others inside it, such as {\"all\": [{\"any\": [...]}, ...]}"
            )
        }
        if object.count == 1, let (key, value) = object.first, ["all", "any", "not"].contains(key) {
            if key == "not" {
                return .not(try parse(value, at: "\(path).not", depth: depth + 1, count: &count))
            }
            guard case .array(let items) = value else { throw invalid("\(path).\(key)", "must be a list of filters") }
            let children = try items.enumerated().map { index, item in
                try parse(item, at: "\(path).\(key)[\(index)]", depth: depth + 1, count: &count)
            }
            return key == "all" ? .all(children) : .any(children)
        }
        count += 1
        guard count <= maximumConditions else {
            throw invalid(path, "is one condition too many; a filter holds at most \(maximumConditions)")
        }
        return .condition(try SegmentCondition.parse(object, at: path))
    }

    static func invalid(_ path: String, _ problem: String) -> ModelError {
        ModelError(code: "invalid_segment_filter", "\(path) \(problem)")
    }

    /// The filter's JSON form (what ``parse(_:)`` reads).
    public var json: JSONValue {
        switch self {
        case .all(let children): return .object(["all": .array(children.map(\.json))])
        case .any(let children): return .object(["any": .array(children.map(\.json))])
        case .not(let child): return .object(["not": child.json])
        case .condition(let condition): return condition.json
        }
    }
}
