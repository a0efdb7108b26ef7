import Foundation
import Logging
import PostgresNIO

/// `GET /v1/notifications/{id}`: the notification, its deliveries' status per channel, and the
/// full timeline in order; `erase_content_at` or `content_erased_at` when its category erases
/// content.
struct NotificationView {
    var json: [String: Any]

    static let maximumEvents = 1000

    static func load(id: UUID, tenantID: String, dependencies: APIDependencies) async throws -> NotificationView? {
        try await load(id: id, tenantID: tenantID, client: dependencies.client, logger: dependencies.logger)
    }

    static func load(
        id: UUID, tenantID: String, client: PostgresClient, logger: Logger
    ) async throws
        -> NotificationView?
    {
        func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
            var rows: [PostgresRow] = []
            for try await row in try await client.query(query, logger: logger) { rows.append(row) }
            return rows
        }
        let head = try await rows(
            """
            SELECT category_key, template_key, status, recipient_count, send_at, created_at, refusal::text,
                   to_char(send_at_local, 'YYYY-MM-DD"T"HH24:MI:SS'), erase_content_at, content_erased_at
            FROM notify.notifications WHERE id = \(id) AND tenant_id = \(tenantID)
            """)
        guard let row = head.first else { return nil }
        let (category, template, status, recipients, sendAt, createdAt, refusal, sendAtLocal, eraseAt, erasedAt) =
            try row.decode((String, String?, String, Int32, Date?, Date, String?, String?, Date?, Date?).self)
        var channels: [String: [String: Int]] = [:]
        for row in try await rows(
            """
            SELECT channel, status, count(*) FROM notify.deliveries
            WHERE notification_id = \(id) AND tenant_id = \(tenantID) GROUP BY channel, status
            """)
        {
            let (channel, status, count) = try row.decode((String, String, Int64).self)
            channels[channel, default: [:]][status] = Int(count)
        }
        var timeline: [[String: Any]] = []
        for row in try await rows(
            """
            SELECT e.kind, e.detail::text, e.at, d.channel, u.external_id
            FROM notify.events e
            LEFT JOIN notify.deliveries d ON d.id = e.delivery_id
            LEFT JOIN notify.users u ON u.id = d.user_id
            WHERE e.notification_id = \(id) AND e.tenant_id = \(tenantID)
            ORDER BY e.id LIMIT \(maximumEvents)
            """)
        {
            let (kind, detail, at, channel, user) = try row.decode((String, String, Date, String?, String?).self)
            var event: [String: Any] = ["kind": kind, "at": ISO8601.format(at)]
            if let channel { event["channel"] = channel }
            if let user { event["user"] = user }
            let parsed = try JSONSerialization.jsonObject(with: Data(detail.utf8))
            if let fields = parsed as? [String: Any], !fields.isEmpty { event["detail"] = fields }
            timeline.append(event)
        }
        var json: [String: Any] = [
            "id": id.uuidString.lowercased(), "category": category, "status": status, "recipients": Int(recipients),
            "created_at": ISO8601.format(createdAt), "channels": channels, "timeline": timeline,
        ]
        if let template { json["template"] = template }
        if let sendAt { json["send_at"] = ISO8601.format(sendAt) }
        if let sendAtLocal { json["send_at_local"] = sendAtLocal }
        if let eraseAt { json["erase_content_at"] = ISO8601.format(eraseAt) }
        if let erasedAt { json["content_erased_at"] = ISO8601.format(erasedAt) }
        if let refusal, let parsed = try? JSONSerialization.jsonObject(with: Data(refusal.utf8)) {
            json["refusal"] = parsed
        }
        return NotificationView(json: json)
    }
}

/// ISO 8601 timestamps with milliseconds, as the API writes them.
enum ISO8601 {
    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
