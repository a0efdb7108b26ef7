import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// `campaign-expand`: turns a campaign's audience into deliveries, ``batchSize`` recipients per job.
///
/// Each job reads where the next batch ends (one indexed range read), then inserts that range's
/// deliveries in one set-based statement — (recipient × channel), unique per notification, user and
/// channel, so a replayed job adds nothing — and advances the campaign's cursor and planned count,
/// all in the job's own transaction. It does not send anything: `campaign-release` hands the
/// recipients to `preference-filter` at the campaign's rate. A cancelled campaign stops expanding.
public struct CampaignExpandFunction: NotifyFunction {
    public typealias Input = CampaignJobInput

    public static let name: FunctionName = "campaign-expand"
    /// Its completion does not wait for the disk: its output only changes the database, and a
    /// lost one is computed again (see `CompletionCommit`).
    public static let settings = FunctionSettings(
        maxAttempts: 10, timeout: .seconds(60), completion: .asynchronous)

    /// Recipients expanded per job: large, because each job is two set-based statements.
    public static let batchSize = 25_000

    /// Creates the function.
    public init() {}

    public func handle(_ input: CampaignJobInput, context: FunctionContext) async throws -> FunctionOutput {
        let campaign = try await CampaignRecord.load(input, context: context)
        if campaign.expanded { return FunctionOutput(summary: #"{"skipped":"expanded"}"#) }
        if campaign.status == .cancelled {
            // Say expansion is over, so the cancel pass knows no more deliveries will appear.
            return FunctionOutput(writes: [Self.markExpanded(input)], summary: #"{"skipped":"cancelled"}"#)
        }
        let bounds = try await context.database.query(
            try campaign.audience.query(
                "SELECT count(*), coalesce(max(id), 0) FROM ({source}) AS batch", upTo: false,
                tenantID: input.tenantID, cursor: campaign.expandCursor, bound: Int64(Self.batchSize)),
            logger: context.logger)
        let (count, last) = try bounds[0].decode((Int64, Int64).self)
        let finished = count < Self.batchSize
        var writes: [PostgresQuery] = []
        if count > 0 {
            writes.append(
                try campaign.audience.query(
                    """
                    WITH inserted AS (
                        INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel)
                        SELECT $1, {extra1}, s.id, c FROM ({source}) AS s CROSS JOIN unnest({extra2}::text[]) AS c
                        ON CONFLICT (notification_id, user_id, channel) DO NOTHING
                        RETURNING user_id
                    )
                    UPDATE notify.campaigns
                    SET planned = planned + (SELECT count(DISTINCT user_id) FROM inserted), expand_cursor = $3,
                        updated_at = now()
                    WHERE id = {extra3} AND tenant_id = $1
                    """, upTo: true, tenantID: input.tenantID, cursor: campaign.expandCursor, bound: last,
                    extra: [campaign.notificationID, campaign.channels.map(\.rawValue), input.campaignID]))
        }
        if finished {
            writes.append(Self.markExpanded(input))
            // The notification's recipient count, as `validate` gives other notifications theirs.
            writes.append(
                """
                UPDATE notify.notifications n SET recipient_count = c.planned
                FROM notify.campaigns c
                WHERE c.id = \(input.campaignID) AND c.tenant_id = \(input.tenantID)
                  AND n.id = c.notification_id AND n.tenant_id = c.tenant_id
                """)
            writes.append(
                """
                INSERT INTO notify.events (tenant_id, notification_id, kind, detail)
                SELECT tenant_id, notification_id, 'expanded', jsonb_build_object('recipients', planned)
                FROM notify.campaigns WHERE id = \(input.campaignID) AND tenant_id = \(input.tenantID)
                """)
        }
        let next =
            finished
            ? [] : [try JobRequest(function: Self.name, input: input, lane: .transactional, tenantID: input.tenantID)]
        return FunctionOutput(
            next: next, writes: writes, summary: #"{"recipients":\#(count),"more":\#(!finished)}"#)
    }

    /// Records that expansion is over: no more deliveries will appear for this campaign.
    static func markExpanded(_ input: CampaignJobInput) -> PostgresQuery {
        """
        UPDATE notify.campaigns SET expanded = true, expanded_at = now(), updated_at = now()
        WHERE id = \(input.campaignID) AND tenant_id = \(input.tenantID)
        """
    }
}
