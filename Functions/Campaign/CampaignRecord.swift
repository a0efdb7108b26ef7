import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// The parts of a `notify.campaigns` row that `campaign-expand` and `campaign-release` read.
struct CampaignRecord: Sendable {
    var status: CampaignStatus
    var notificationID: UUID
    var audience: CampaignAudience
    var channels: [Channel]
    var lane: Lane
    var rate: Int?
    var startAt: Date
    var expandCursor: Int64
    var expanded: Bool
    var releaseCursor: Int64
    var generation: Int

    static func load(_ input: CampaignJobInput, context: FunctionContext) async throws -> CampaignRecord {
        let rows = try await context.database.query(
            """
            SELECT status, notification_id, audience::text, segment_filter::text, channels, lane, rate_per_second,
                   start_at, expand_cursor, expanded, release_cursor, generation
            FROM notify.campaigns WHERE id = \(input.campaignID) AND tenant_id = \(input.tenantID)
            """, logger: context.logger)
        guard let row = rows.first else {
            throw FunctionError(
                .permanent, code: "campaign_not_found",
                "campaign \(input.campaignID) does not exist for tenant \(input.tenantID)")
        }
        let (status, notificationID, audience, filter, channels, lane, rate, startAt, expandCursor, expanded) =
            try row.decode((String, UUID, String, String?, [String], String, Int?, Date, Int64, Bool).self)
        let columns = row.makeRandomAccess()
        let releaseCursor = try columns[10].decode(Int64.self)
        let generation = try columns[11].decode(Int.self)
        return CampaignRecord(
            status: CampaignStatus(rawValue: status) ?? .cancelled, notificationID: notificationID,
            audience: try CampaignAudience.decode(audience: audience, filter: filter),
            channels: channels.compactMap(Channel.init(rawValue:)), lane: Lane(name: lane) ?? .bulk, rate: rate,
            startAt: startAt, expandCursor: expandCursor, expanded: expanded, releaseCursor: releaseCursor,
            generation: generation)
    }
}
