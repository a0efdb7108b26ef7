import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// `campaign-release`: the campaign's pacer. Each tick hands the next recipients to
/// `preference-filter` (``CampaignPacing``: `rate × interval` per tick), advances the campaign's
/// release cursor, and schedules the next tick — all in the job's own transaction, so a crash
/// repeats a tick rather than losing or doubling it.
///
/// - A paused, completed or superseded pacer (its `generation` is not the campaign's) stops; a
///   resume starts a new generation.
/// - A scheduled campaign whose start time has come becomes `running`.
/// - When expansion is over and no recipient is left, the campaign and its notification complete;
///   a category that erases content (`erase_content_after_seconds`) starts its clock then.
/// - A cancelled campaign's pacer drops the recipients never released (reason `cancelled`, one
///   timeline event each), ``dropChunk`` at a time, until expansion has stopped and none remain.
public struct CampaignReleaseFunction: NotifyFunction {
    public typealias Input = CampaignJobInput

    public static let name: FunctionName = "campaign-release"
    /// Its completion does not wait for the disk: its output only changes the database, and a
    /// lost one is computed again (see `CompletionCommit`).
    public static let settings = FunctionSettings(
        maxAttempts: 10, timeout: .seconds(30), completion: .asynchronous)

    /// Deliveries dropped per tick of a cancelled campaign.
    public static let dropChunk = 5_000

    /// Creates the function.
    public init() {}

    public func handle(_ input: CampaignJobInput, context: FunctionContext) async throws -> FunctionOutput {
        let campaign = try await CampaignRecord.load(input, context: context)
        guard input.generation == campaign.generation else {
            return FunctionOutput(summary: #"{"skipped":"superseded"}"#)
        }
        let now = context.clock.now()
        switch campaign.status {
        case .paused, .completed:
            return FunctionOutput(summary: #"{"skipped":"\#(campaign.status.rawValue)"}"#)
        case .cancelled:
            return try await dropUnreleased(campaign, input: input, context: context)
        case .scheduled where campaign.startAt > now:
            var later = input
            later.due = campaign.startAt
            return FunctionOutput(
                next: [try tick(later, runAt: campaign.startAt)], summary: #"{"waiting":"start_at"}"#)
        case .scheduled, .running:
            return try await release(campaign, input: input, now: now, context: context)
        }
    }

    private func release(
        _ campaign: CampaignRecord, input: CampaignJobInput, now: Date, context: FunctionContext
    ) async throws -> FunctionOutput {
        let pacing = CampaignPacing(rate: campaign.rate)
        let waiting = try await waitingDeliveries(campaign, input: input, context: context)
        let allowance = pacing.allowance(waiting: waiting, channels: campaign.channels.count)
        let users = allowance == 0 ? [] : try await unreleasedUsers(campaign, limit: allowance, context: context)
        var writes: [PostgresQuery] = []
        var next: [JobRequest] = []
        if campaign.status == .scheduled {
            writes.append(
                """
                UPDATE notify.campaigns SET status = 'running', updated_at = now()
                WHERE id = \(input.campaignID) AND tenant_id = \(input.tenantID) AND status = 'scheduled'
                """)
            writes.append(
                TimelineWrites.notificationEvent(
                    tenantID: input.tenantID, notificationID: campaign.notificationID, kind: "campaign_started"))
        }
        if let last = users.last {
            writes.append(
                """
                UPDATE notify.campaigns
                SET release_cursor = \(last), released = released + \(users.count), updated_at = now()
                WHERE id = \(input.campaignID) AND tenant_id = \(input.tenantID) AND generation = \(input.generation)
                  AND release_cursor = \(campaign.releaseCursor)
                """)
            for channel in campaign.channels {
                for batch in DeliveryBatch.split(
                    tenantID: input.tenantID, notificationID: campaign.notificationID, channel: channel,
                    userIDs: users)
                {
                    next.append(
                        try JobRequest(
                            function: "preference-filter", input: batch, lane: campaign.lane,
                            tenantID: input.tenantID))
                }
            }
        }
        if allowance > 0 && users.count < allowance && campaign.expanded {
            writes.append(
                """
                UPDATE notify.campaigns SET status = 'completed', finished_at = now(), updated_at = now()
                WHERE id = \(input.campaignID) AND tenant_id = \(input.tenantID) AND status IN ('scheduled', 'running')
                """)
            writes.append(
                """
                UPDATE notify.notifications n SET status = 'done', updated_at = now(),
                    erase_content_at = now() + make_interval(secs => (
                        SELECT c.erase_content_after_seconds FROM notify.categories c
                        WHERE c.tenant_id = n.tenant_id AND c.key = n.category_key))
                WHERE id = \(campaign.notificationID) AND tenant_id = \(input.tenantID) AND status = 'processing'
                """)
            writes.append(
                TimelineWrites.notificationEvent(
                    tenantID: input.tenantID, notificationID: campaign.notificationID, kind: "campaign_completed"))
        } else if allowance == 0 {
            // The pipeline has not taken the last ticks' recipients yet: look again shortly.
            var following = input
            let due = now.addingTimeInterval(max(pacing.interval, CampaignPacing.backlogRecheck).inSeconds)
            following.due = due
            next.append(try tick(following, runAt: due))
        } else {
            // Short of a full tick while expansion goes on: come back after one interval anyway.
            var following = input
            let due = pacing.nextDue(after: input.due ?? now, now: now)
            following.due = due
            next.append(try tick(following, runAt: pacing.interval == .zero ? nil : due))
        }
        return FunctionOutput(
            next: next, writes: writes, summary: #"{"released":\#(users.count),"waiting":\#(waiting)}"#)
    }

    private func dropUnreleased(
        _ campaign: CampaignRecord, input: CampaignJobInput, context: FunctionContext
    ) async throws -> FunctionOutput {
        let users = try await unreleasedUsers(campaign, limit: Self.dropChunk, context: context)
        var writes: [PostgresQuery] = []
        var next: [JobRequest] = []
        if let last = users.last {
            for channel in campaign.channels {
                let batch = DeliveryBatch(
                    tenantID: input.tenantID, notificationID: campaign.notificationID, channel: channel,
                    userIDs: users)
                writes.append(
                    TimelineWrites.transition(
                        batch, userIDs: users, from: ["pending"], to: "dropped", reason: DropReason.cancelled.rawValue,
                        event: "dropped", detail: TimelineWrites.detail(["reason": DropReason.cancelled.rawValue])))
            }
            writes.append(
                """
                UPDATE notify.campaigns SET release_cursor = \(last), updated_at = now()
                WHERE id = \(input.campaignID) AND tenant_id = \(input.tenantID) AND generation = \(input.generation)
                """)
        }
        if users.count == Self.dropChunk || !campaign.expanded {
            // More to drop, or expansion may still add a last batch: look again.
            next.append(try tick(input, runAt: users.isEmpty ? context.clock.now().addingTimeInterval(1) : nil))
        }
        return FunctionOutput(next: next, writes: writes, summary: #"{"dropped":\#(users.count)}"#)
    }

    /// How many of the campaign's deliveries wait, released, for `preference-filter` to take them:
    /// the users of its queued `preference-filter` jobs (``CampaignPacing/allowance(waiting:channels:)``).
    private func waitingDeliveries(
        _ campaign: CampaignRecord, input: CampaignJobInput, context: FunctionContext
    ) async throws -> Int {
        let rows = try await context.database.query(
            """
            SELECT coalesce(sum(jsonb_array_length(payload -> 'user_ids')), 0)::bigint FROM notify.jobs
            WHERE queue = 'preference-filter' AND lane = \(campaign.lane.rawValue) AND state = 'ready'
              AND tenant_id = \(input.tenantID) AND (payload ->> 'notification_id')::uuid = \(campaign.notificationID)
            """, logger: context.logger)
        return Int(try rows.first?.decode(Int64.self) ?? 0)
    }

    /// The next `limit` recipients after the release cursor, in user order.
    private func unreleasedUsers(
        _ campaign: CampaignRecord, limit: Int, context: FunctionContext
    ) async throws
        -> [Int64]
    {
        try await context.database.query(
            """
            SELECT DISTINCT user_id FROM notify.deliveries
            WHERE notification_id = \(campaign.notificationID) AND user_id > \(campaign.releaseCursor)
            ORDER BY user_id LIMIT \(limit)
            """, logger: context.logger
        ).map { try $0.decode(Int64.self) }
    }

    private func tick(_ input: CampaignJobInput, runAt: Date?) throws -> JobRequest {
        try JobRequest(function: Self.name, input: input, lane: .transactional, runAt: runAt, tenantID: input.tenantID)
    }
}
