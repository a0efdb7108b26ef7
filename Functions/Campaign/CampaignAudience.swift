import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// Whom a campaign reaches: a topic's subscribers, or the users matching a segment's filter (as it
/// was when the campaign was created).
enum CampaignAudience: Sendable {
    case topic(String)
    case segment(SegmentFilter)

    static func decode(audience: String, filter: String?) throws -> CampaignAudience {
        struct Stored: Decodable {
            var topic: String?
            var segment: String?
        }
        let stored = try JSONDecoder().decode(Stored.self, from: Data(audience.utf8))
        if let topic = stored.topic { return .topic(topic) }
        guard let filter else {
            throw FunctionError(
                .permanent, code: "invalid_campaign", "the campaign names no topic and no segment filter")
        }
        return .segment(try SegmentFilter.parse(JSONDecoder().decode(JSONValue.self, from: Data(filter.utf8))))
    }

    /// The next `limit` audience user ids above `cursor`, in id order, as `SELECT id …` SQL with
    /// `$1` the tenant, `$2` the cursor, `$3` the limit, then the audience's own binds; with
    /// `upTo`, the ids above `cursor` up to and including `$4` instead, without a limit.
    func source(upTo: Bool) -> (sql: String, binds: [String], first: Int) {
        switch self {
        case .topic(let key):
            let bound = upTo ? "AND user_id <= $3 ORDER BY user_id" : "ORDER BY user_id LIMIT $3"
            return (
                """
                SELECT user_id AS id FROM notify.topic_subscribers
                WHERE tenant_id = $1 AND topic_key = $4 AND user_id > $2 \(bound)
                """, [key], 4
            )
        case .segment(let filter):
            let compiled = SegmentSQL(filter, firstPlaceholder: 4)
            let bound = upTo ? "AND u.id <= $3 ORDER BY u.id" : "ORDER BY u.id LIMIT $3"
            return (
                """
                SELECT u.id FROM notify.users u
                WHERE u.tenant_id = $1 AND u.id > $2 AND \(compiled.condition) \(bound)
                """, compiled.binds, 4
            )
        }
    }

    /// `template` with `{source}` replaced by ``source(upTo:)``: `$1` the tenant, `$2` the cursor,
    /// `$3` the limit or upper bound, then the audience's binds; `{extra1}`, `{extra2}`… name the
    /// `extra` values, bound after those.
    func query(
        _ template: String, upTo: Bool, tenantID: String, cursor: Int64, bound: Int64,
        extra: [any PostgresDynamicTypeEncodable] = []
    ) throws -> PostgresQuery {
        let (source, binds, first) = self.source(upTo: upTo)
        var bindings = PostgresBindings(capacity: 3 + binds.count + extra.count)
        bindings.append(tenantID)
        bindings.append(cursor)
        bindings.append(bound)
        for value in binds { bindings.append(value) }
        var sql = template.replacingOccurrences(of: "{source}", with: source)
        for (index, value) in extra.enumerated() {
            bindings.append(value)
            sql = sql.replacingOccurrences(of: "{extra\(index + 1)}", with: "$\(first + binds.count + index)")
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }
}
