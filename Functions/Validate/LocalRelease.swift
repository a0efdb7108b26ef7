import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// The per-recipient release of a local-time send (`send_at_local`): each recipient's work is
/// queued for the instant their own zone shows the wall time (``NotifyModel/LocalTimeRelease``
/// states the zone, gap and overlap rules), and each delivery gets a `scheduled` event naming
/// that instant and the zone used.
struct LocalRelease: Sendable {
    /// The recipients of this batch with their release instant and the zone it was computed in.
    var releases: [(userID: Int64, at: Date, zone: String)]
    /// The clock's time when the batch was planned; earlier instants are released at once.
    var now: Date

    static func load(
        userIDs: [Int64], local: LocalDateTime, tenantID: String, context: FunctionContext
    ) async throws -> LocalRelease {
        let rows = try await context.database.query(
            """
            SELECT u.id, coalesce(u.timezone, t.default_timezone)
            FROM notify.users u JOIN notify.tenants t ON t.id = u.tenant_id
            WHERE u.tenant_id = \(tenantID) AND u.id = ANY(\(userIDs)::bigint[])
            """,
            logger: context.logger)
        var zones: [Int64: String?] = [:]
        for row in rows {
            let (id, zone) = try row.decode((Int64, String?).self)
            zones[id] = zone
        }
        let releases = userIDs.map { id in
            let (zone, name) = LocalTimeRelease.resolvedZone(named: zones[id] ?? nil)
            return (userID: id, at: LocalTimeRelease.instant(of: local, in: zone), zone: name)
        }
        return LocalRelease(releases: releases, now: context.clock.now())
    }

    /// `preference-filter` work grouped by release instant; instants already past run at once.
    func jobs(_ input: ValidateInput, channels: [Channel], lane: Lane) throws -> [JobRequest] {
        let groups = Dictionary(grouping: releases, by: \.at)
        var jobs: [JobRequest] = []
        for at in groups.keys.sorted() {
            let userIDs = groups[at]!.map(\.userID)
            for channel in channels {
                for batch in DeliveryBatch.split(
                    tenantID: input.tenantID, notificationID: input.notificationID, channel: channel,
                    userIDs: userIDs)
                {
                    jobs.append(
                        try JobRequest(
                            function: "preference-filter", input: batch, lane: lane, runAt: at > now ? at : nil,
                            tenantID: input.tenantID))
                }
            }
        }
        return jobs
    }

    /// One `scheduled` event per delivery of this batch, with its release instant and zone.
    func events(_ input: ValidateInput, channels: [Channel]) -> PostgresQuery {
        let userIDs = releases.map(\.userID)
        let instants = releases.map { $0.at.timeIntervalSince1970 }
        let zones = releases.map(\.zone)
        let channelNames = channels.map(\.rawValue)
        return """
            INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
            SELECT d.tenant_id, d.notification_id, d.id, 'scheduled',
                   jsonb_build_object('release_at', to_char(to_timestamp(r.at) AT TIME ZONE 'UTC',
                                                            'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                                      'timezone', r.zone)
            FROM unnest(\(userIDs)::bigint[], \(instants)::float8[], \(zones)::text[]) AS r(user_id, at, zone)
            JOIN notify.deliveries d ON d.notification_id = \(input.notificationID) AND d.user_id = r.user_id
                                    AND d.channel = ANY(\(channelNames)::text[]) AND d.status = 'pending'
            ORDER BY d.id
            """
    }
}
