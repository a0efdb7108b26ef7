import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// A user's preferences: `GET` and `PUT /v1/users/{id}/preferences`.
///
/// ```json
/// {"channels": {"marketing": {"email": false}},
///  "quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Europe/Berlin"},
///  "frequency_caps": {"marketing": {"limit": 3, "window_seconds": 86400}}}
/// ```
/// `PUT` replaces the whole document. A quiet-hours window without a time zone takes the user's,
/// or the tenant's default for a user without one.
struct PreferenceRoutes: Sendable {
    let dependencies: APIDependencies

    struct Preferences: Codable {
        var channels: [String: [String: Bool]]?
        var quietHours: QuietHoursInput?
        var frequencyCaps: [String: FrequencyCap]?

        enum CodingKeys: String, CodingKey {
            case channels
            case quietHours = "quiet_hours"
            case frequencyCaps = "frequency_caps"
        }
    }

    struct QuietHoursInput: Codable {
        var start: String
        var end: String
        var timezone: String?
    }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("users/{user}/preferences") { _, context in try await get(context) }
        group.put("users/{user}/preferences") { request, context in try await put(request, context) }
    }

    func get(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let externalID = try context.parameters.externalID("user")
        let rows = try await dependencies.rows(
            """
            SELECT coalesce(p.channels, '{}')::text, p.quiet_hours::text, coalesce(p.frequency_caps, '{}')::text
            FROM notify.users u LEFT JOIN notify.preferences p ON p.user_id = u.id
            WHERE u.tenant_id = \(tenantID) AND u.external_id = \(externalID)
            """)
        guard let row = rows.first else { throw APIError.notFound("user", externalID) }
        let (channels, quiet, caps) = try row.decode((String, String?, String).self)
        var view: [String: Any] = [
            "channels": try JSONSerialization.jsonObject(with: Data(channels.utf8)),
            "frequency_caps": try JSONSerialization.jsonObject(with: Data(caps.utf8)),
        ]
        view["quiet_hours"] = try quiet.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) } ?? NSNull()
        return try APIResponse.json(view, status: .ok)
    }

    func put(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let externalID = try context.parameters.externalID("user")
        let body = try await JSONBody.decode(
            Preferences.self, from: request, allowedKeys: ["channels", "quiet_hours", "frequency_caps"])
        for (category, channels) in body.channels ?? [:] {
            for channel in channels.keys {
                _ = try ContactCheck.run { () throws(ModelError) in try Channel.parse(channel) }
                _ = category
            }
        }
        for cap in (body.frequencyCaps ?? [:]).values {
            try ContactCheck.run { () throws(ModelError) in try cap.validate() }
        }
        let users = try await dependencies.rows(
            """
            SELECT u.id, coalesce(u.timezone, t.default_timezone)
            FROM notify.users u JOIN notify.tenants t ON t.id = u.tenant_id
            WHERE u.tenant_id = \(tenantID) AND u.external_id = \(externalID)
            """)
        guard let user = users.first else { throw APIError.notFound("user", externalID) }
        let (userID, userZone) = try user.decode((Int64, String?).self)
        var quiet: QuietHours?
        if let input = body.quietHours {
            guard let zone = input.timezone ?? userZone else {
                throw APIError(
                    .badRequest, code: "invalid_quiet_hours",
                    "quiet_hours needs a \"timezone\" (the user has none); for example \"Europe/Berlin\"")
            }
            let hours = QuietHours(start: input.start, end: input.end, timeZone: zone)
            try ContactCheck.run { () throws(ModelError) in try hours.validate() }
            quiet = hours
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let channels = String(decoding: try encoder.encode(body.channels ?? [:]), as: UTF8.self)
        let caps = String(decoding: try encoder.encode(body.frequencyCaps ?? [:]), as: UTF8.self)
        let quietText = try quiet.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try await dependencies.client.query(
            """
            INSERT INTO notify.preferences (user_id, tenant_id, channels, quiet_hours, frequency_caps)
            VALUES (\(userID), \(tenantID), \(channels)::jsonb, \(quietText)::jsonb, \(caps)::jsonb)
            ON CONFLICT (user_id) DO UPDATE SET channels = excluded.channels, quiet_hours = excluded.quiet_hours,
                frequency_caps = excluded.frequency_caps, updated_at = now()
            """, logger: context.logger)
        return try await get(context)
    }
}
