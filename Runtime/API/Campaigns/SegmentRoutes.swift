import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// Segments, saved filters over the tenant's users (see ``NotifyModel/SegmentFilter``):
/// `PUT /v1/segments/{key}` (`{"name": "…", "filter": {…}}`), `GET /v1/segments`,
/// `GET /v1/segments/{key}` (with how many users match now), `DELETE /v1/segments/{key}`.
/// A campaign copies its segment's filter when it is created.
struct SegmentRoutes: Sendable {
    let dependencies: APIDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.put("segments/{key}") { request, context in try await put(request, context) }
        group.get("segments") { _, context in try await list(context) }
        group.get("segments/{key}") { _, context in try await get(context) }
        group.delete("segments/{key}") { _, context in try await delete(context) }
    }

    struct SegmentRequest: Decodable {
        var name: String?
        var filter: JSONValue
    }

    func put(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let key = try segmentKey(context)
        let body = try await JSONBody.decode(SegmentRequest.self, from: request, allowedKeys: ["name", "filter"])
        let filter: SegmentFilter
        do {
            filter = try SegmentFilter.parse(body.filter)
        } catch let error as ModelError {
            throw APIError(.unprocessableContent, code: error.code, error.message)
        }
        if let name = body.name, name.count > 200 {
            throw APIError(.badRequest, code: "invalid_name", "\"name\" must be at most 200 characters")
        }
        let rows = try await dependencies.rows(
            """
            INSERT INTO notify.segments AS s (tenant_id, key, name, filter)
            VALUES (\(tenantID), \(key), \(body.name), \(filter.json.jsonText)::jsonb)
            ON CONFLICT (tenant_id, key) DO UPDATE
                SET name = coalesce(excluded.name, s.name), filter = excluded.filter, updated_at = now()
            RETURNING (xmax = 0)
            """)
        let created = try rows.first?.decode(Bool.self) ?? false
        return try await view(tenantID: tenantID, key: key, status: created ? .created : .ok)
    }

    func list(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let rows = try await dependencies.rows(
            "SELECT key, name, filter::text FROM notify.segments WHERE tenant_id = \(tenantID) ORDER BY key LIMIT 1000")
        var segments: [[String: Any]] = []
        for row in rows {
            let (key, name, filter) = try row.decode((String, String?, String).self)
            var json: [String: Any] = ["key": key, "filter": try JSONSerialization.jsonObject(with: Data(filter.utf8))]
            if let name { json["name"] = name }
            segments.append(json)
        }
        return try APIResponse.json(["segments": segments], status: .ok)
    }

    func get(_ context: APIRequestContext) async throws -> Response {
        try await view(tenantID: try context.requireTenant(), key: try segmentKey(context), status: .ok)
    }

    func delete(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let key = try segmentKey(context)
        let rows = try await dependencies.rows(
            "DELETE FROM notify.segments WHERE tenant_id = \(tenantID) AND key = \(key) RETURNING key")
        guard !rows.isEmpty else { throw APIError.notFound("segment", key) }
        return APIResponse.noContent
    }

    func segmentKey(_ context: APIRequestContext) throws -> String {
        let key = context.parameters.get("key")?.removingPercentEncoding ?? ""
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_.:-")
        guard (1...127).contains(key.count), key.allSatisfy({ allowed.contains($0) }),
            key.first.map({ $0.isLetter || $0.isNumber }) == true
        else {
            throw APIError(
                .badRequest, code: "invalid_key",
                "segment keys are 1 to 127 lowercase letters, digits, '_', '.', ':' or '-', starting with a letter or digit"
            )
        }
        return key
    }

    /// The segment with the number of users it matches now.
    func view(tenantID: String, key: String, status: HTTPResponse.Status) async throws -> Response {
        let rows = try await dependencies.rows(
            "SELECT name, filter::text FROM notify.segments WHERE tenant_id = \(tenantID) AND key = \(key)")
        guard let row = rows.first else { throw APIError.notFound("segment", key) }
        let (name, filterText) = try row.decode((String?, String).self)
        let filter = try SegmentFilter.parse(JSONDecoder().decode(JSONValue.self, from: Data(filterText.utf8)))
        let compiled = SegmentSQL(filter, firstPlaceholder: 2)
        let count =
            try await dependencies.client.query(
                try compiled.query(
                    "SELECT count(*) FROM notify.users u WHERE u.tenant_id = $1 AND \(compiled.condition)",
                    leading: [tenantID]), logger: dependencies.logger
            ).collect().first?.decode(Int64.self) ?? 0
        var json: [String: Any] = [
            "key": key, "filter": try JSONSerialization.jsonObject(with: Data(filterText.utf8)), "users": Int(count),
        ]
        if let name { json["name"] = name }
        return try APIResponse.json(json, status: status)
    }
}
