import Foundation
import Logging
import NotifyFunctionKit
import NotifyModel
import NotifyRuntime
import PostgresNIO

/// Pause, resume and cancel, and reading progress: what the API and `notify campaign` share.
///
/// Every change is one transaction that updates the campaign and, where a pacer must run, enqueues
/// it. Resume and cancel start a new pacer generation, so an old pacer still waiting in the queue
/// stops on its next tick instead of doubling the rate.
public struct CampaignControl: Sendable {
    /// What can be done to a campaign.
    public enum Action: String, Sendable, CaseIterable {
        case pause, resume, cancel
    }

    let client: PostgresClient
    let producer: JobProducer
    let logger: Logger

    /// Creates a control on the engine's database.
    public init(client: PostgresClient, producer: JobProducer, logger: Logger) {
        self.client = client
        self.producer = producer
        self.logger = logger
    }

    /// One campaign of `tenantID` with its delivery counts, or nil.
    public func progress(campaignID: UUID, tenantID: String) async throws -> CampaignProgress? {
        try await CampaignProgress.load(
            "SELECT \(unescaped: CampaignProgress.selectColumns) FROM notify.campaigns c WHERE c.id = \(campaignID) AND c.tenant_id = \(tenantID)",
            countDeliveries: true, client: client, logger: logger
        ).first
    }

    /// The tenant's newest campaigns, without delivery counts.
    public func list(tenantID: String, limit: Int) async throws -> [CampaignProgress] {
        try await CampaignProgress.load(
            "SELECT \(unescaped: CampaignProgress.selectColumns) FROM notify.campaigns c WHERE c.tenant_id = \(tenantID) ORDER BY c.created_at DESC LIMIT \(limit)",
            countDeliveries: false, client: client, logger: logger)
    }

    /// Applies `action`; returns the status after it. Pausing a paused campaign, resuming a running
    /// one or cancelling a cancelled one changes nothing. Throws `campaign_not_found` (404) and
    /// `campaign_finished` (409: a completed campaign cannot change, a cancelled one cannot resume).
    public func perform(_ action: Action, campaignID: UUID, tenantID: String) async throws -> CampaignStatus {
        try await client.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT status, generation, start_at, notification_id FROM notify.campaigns
                WHERE id = \(campaignID) AND tenant_id = \(tenantID) FOR UPDATE
                """, logger: logger)
            var found: (String, Int, Date, UUID)?
            for try await row in rows.decode((String, Int, Date, UUID).self) { found = row }
            guard let (statusName, generation, startAt, notificationID) = found,
                let status = CampaignStatus(rawValue: statusName)
            else {
                throw APIError.notFound("campaign", campaignID.uuidString.lowercased())
            }
            let target = try Self.target(of: action, from: status, startAt: startAt)
            guard target != status else { return status }
            let next = generation + (action == .pause ? 0 : 1)
            try await connection.query(
                """
                UPDATE notify.campaigns
                SET status = \(target.rawValue), generation = \(next), updated_at = now(),
                    finished_at = CASE WHEN \(target.rawValue) = 'cancelled' THEN now() ELSE finished_at END
                WHERE id = \(campaignID) AND tenant_id = \(tenantID)
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO notify.events (tenant_id, notification_id, kind)
                VALUES (\(tenantID), \(notificationID), \("campaign_" + (action == .cancel ? "cancelled" : action.rawValue + "d")))
                """, logger: logger)
            if action == .cancel {
                try await connection.query(
                    """
                    UPDATE notify.notifications n SET status = 'cancelled', updated_at = now(),
                        erase_content_at = now() + make_interval(secs => (
                            SELECT c.erase_content_after_seconds FROM notify.categories c
                            WHERE c.tenant_id = n.tenant_id AND c.key = n.category_key))
                    WHERE id = \(notificationID) AND tenant_id = \(tenantID)
                    """, logger: logger)
            }
            if action != .pause {
                let due = max(Date(), startAt)
                try await producer.enqueue(
                    [
                        try JobRequest(
                            function: "campaign-release",
                            input: CampaignJobInput(
                                tenantID: tenantID, campaignID: campaignID, generation: next, due: due),
                            lane: .transactional, runAt: due > Date() ? due : nil, tenantID: tenantID)
                    ], on: connection, wakingAfterCommit: false)
            }
            return target
        }
    }

    static func target(of action: Action, from status: CampaignStatus, startAt: Date) throws -> CampaignStatus {
        switch (action, status) {
        case (.pause, .scheduled), (.pause, .running), (.pause, .paused): return .paused
        case (.resume, .paused): return startAt > Date() ? .scheduled : .running
        case (.resume, .scheduled), (.resume, .running): return status
        case (.cancel, .scheduled), (.cancel, .running), (.cancel, .paused), (.cancel, .cancelled): return .cancelled
        default:
            throw APIError(
                .conflict, code: "campaign_finished",
                "the campaign is \(status.rawValue) and cannot \(action.rawValue); create a new campaign instead")
        }
    }
}
