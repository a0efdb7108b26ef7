import Foundation
import NotifyModel
import PostgresNIO

/// A campaign and how far it got, as `GET /v1/campaigns/{id}` and `notify campaign` show it.
///
/// `planned` counts recipients expanded so far (final once `expanded` is true), `released` those
/// handed to the pipeline; the delivery counts are per (recipient × channel): `sent` includes
/// `delivered`, `waiting` is everything not yet final (pending, deferred, rendered, sending).
public struct CampaignProgress: Codable, Sendable {
    /// Delivery counts of the campaign's notification.
    public struct Deliveries: Codable, Sendable, Hashable {
        public var total = 0
        public var waiting = 0
        public var sent = 0
        public var delivered = 0
        public var failed = 0
        public var unknown = 0
        public var dropped = 0
    }

    public var id: UUID
    public var name: String
    public var status: CampaignStatus
    public var audience: [String: String]
    public var channels: [String]
    public var priority: String
    public var ratePerSecond: Int?
    public var startAt: Date
    public var createdAt: Date
    public var finishedAt: Date?
    public var notificationID: UUID
    public var expanded: Bool
    public var planned: Int
    public var released: Int
    public var deliveries: Deliveries
    /// Whether ``deliveries`` were counted: a list leaves them out (counting reads every delivery
    /// of every campaign) rather than showing zeros.
    public var deliveriesCounted = false

    enum CodingKeys: String, CodingKey {
        case id, name, status, audience, channels, priority, expanded, planned, released, deliveries
        case ratePerSecond = "rate_per_second"
        case startAt = "start_at"
        case createdAt = "created_at"
        case finishedAt = "finished_at"
        case notificationID = "notification_id"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.uuidString.lowercased(), forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(status, forKey: .status)
        try container.encode(audience, forKey: .audience)
        try container.encode(channels, forKey: .channels)
        try container.encode(priority, forKey: .priority)
        try container.encode(ratePerSecond, forKey: .ratePerSecond)
        try container.encode(startAt, forKey: .startAt)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(notificationID.uuidString.lowercased(), forKey: .notificationID)
        try container.encode(expanded, forKey: .expanded)
        try container.encode(planned, forKey: .planned)
        try container.encode(released, forKey: .released)
        if deliveriesCounted { try container.encode(deliveries, forKey: .deliveries) }
    }

    /// The share of planned recipients released, 0…1 (0 before expansion finds anyone).
    public var releasedFraction: Double { planned == 0 ? 0 : min(1, Double(released) / Double(planned)) }

    static let selectColumns = """
        c.id, c.name, c.status, c.audience::text, c.channels, c.lane, c.rate_per_second, c.start_at, c.created_at,
        c.finished_at, c.notification_id, c.expanded, c.planned, c.released
        """

    /// Reads the campaigns `filter` selects (with `c` the campaigns table), newest first; with
    /// `countDeliveries`, also counts each one's deliveries by status.
    static func load(
        _ filter: PostgresQuery, countDeliveries: Bool, client: PostgresClient, logger: Logger
    ) async throws -> [CampaignProgress] {
        var campaigns: [CampaignProgress] = []
        for row in try await client.query(filter, logger: logger).collect() {
            let columns = row.makeRandomAccess()
            let audienceText = try columns[3].decode(String.self)
            let audience =
                (try? JSONDecoder().decode([String: String].self, from: Data(audienceText.utf8))) ?? [:]
            campaigns.append(
                CampaignProgress(
                    id: try columns[0].decode(UUID.self), name: try columns[1].decode(String.self),
                    status: CampaignStatus(rawValue: try columns[2].decode(String.self)) ?? .cancelled,
                    audience: audience, channels: try columns[4].decode([String].self),
                    priority: try columns[5].decode(String.self), ratePerSecond: try columns[6].decode(Int?.self),
                    startAt: try columns[7].decode(Date.self), createdAt: try columns[8].decode(Date.self),
                    finishedAt: try columns[9].decode(Date?.self), notificationID: try columns[10].decode(UUID.self),
                    expanded: try columns[11].decode(Bool.self), planned: Int(try columns[12].decode(Int64.self)),
                    released: Int(try columns[13].decode(Int64.self)), deliveries: Deliveries()))
        }
        if countDeliveries {
            for index in campaigns.indices {
                campaigns[index].deliveries = try await count(
                    notificationID: campaigns[index].notificationID, client: client, logger: logger)
                campaigns[index].deliveriesCounted = true
            }
        }
        return campaigns
    }

    static func count(notificationID: UUID, client: PostgresClient, logger: Logger) async throws -> Deliveries {
        var counts = Deliveries()
        let rows = try await client.query(
            """
            SELECT status, count(*) FROM notify.deliveries WHERE notification_id = \(notificationID) GROUP BY status
            """, logger: logger)
        for try await (status, count) in rows.decode((String, Int64).self) {
            let n = Int(count)
            counts.total += n
            switch status {
            case "sent": counts.sent += n
            case "delivered":
                counts.sent += n
                counts.delivered += n
            case "failed": counts.failed += n
            case "unknown": counts.unknown += n
            case "dropped": counts.dropped += n
            default: counts.waiting += n
            }
        }
        return counts
    }

    /// The JSON object the API answers with.
    var json: [String: Any] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return object
    }
}
