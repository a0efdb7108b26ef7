import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// One batch of a notification's expansion: the category's lane and channels, the recipients of
/// this batch, the users that could not be found, and where the next batch starts.
struct ExpansionPlan: Sendable {
    var lane: Lane
    var channels: [Channel]
    var skippedChannels: [(channel: String, reason: String)]
    var userIDs: [Int64]
    var unknownUsers: [String]
    var nextCursor: Int64?
    var isFirstBatch: Bool
    /// For a local-time send, each recipient's release instant.
    var localRelease: LocalRelease? = nil
    /// The category's time before the notification's content is erased, if it has one.
    var eraseContentAfterSeconds: Int? = nil

    static func make(
        for notification: NotificationRecord, input: ValidateInput, reads: ValidateReads, context: FunctionContext
    ) async throws -> ExpansionPlan {
        let category: CategoryFacts
        do {
            category = try notification.category()
        } catch let error as FunctionError where error.code == "unknown_category" {
            throw Refusal(code: error.code, message: error.message)
        }
        let requested = notification.channels ?? category.defaultChannels
        var channels: [Channel] = []
        var skipped: [(String, String)] = []
        // The named users and the channels depend on the notification only: for a one-time
        // passcode they are read at once.
        let ((templated, routed), found) = try await context.both(
            {
                try await templatedAndRoutedChannels(
                    tenantID: input.tenantID, key: notification.templateKey ?? category.templateKey, reads: reads,
                    context: context)
            },
            { try await existingUsers(notification.recipients.users, input: input, reads: reads, context: context) })
        for name in requested {
            guard let channel = Channel(rawValue: name) else {
                skipped.append((name, "unknown_channel"))
                continue
            }
            if !templated.contains(channel) {
                skipped.append((name, "no_template"))
            } else if !routed.contains(channel) {
                skipped.append((name, "no_provider_route"))
            } else if !channels.contains(channel) {
                channels.append(channel)
            }
        }
        if channels.isEmpty {
            let reasons = skipped.map { "\($0.0): \($0.1)" }.joined(separator: ", ")
            throw Refusal(
                code: "no_deliverable_channel",
                message:
                    "no requested channel can be delivered (\(reasons)); add an active template for the category's template key \"\(notification.templateKey ?? category.templateKey)\" and, for channels other than inapp, a provider route (PUT /v1/routes/{channel})"
            )
        }
        var plan = ExpansionPlan(
            lane: PipelineLane.lane(priority: notification.priority, kind: category.kind, critical: category.critical),
            channels: channels, skippedChannels: skipped, userIDs: [], unknownUsers: [], nextCursor: nil,
            isFirstBatch: input.cursor == nil)
        plan.eraseContentAfterSeconds = category.eraseContentAfterSeconds
        if let users = notification.recipients.users, let found {
            plan.expandUsers(users, found: found, input: input)
        } else if let topic = notification.recipients.topic {
            try await plan.expandTopic(topic, input: input, context: context)
        } else {
            throw Refusal(code: "no_recipients", message: "the notification names neither users nor a topic")
        }
        if let local = notification.sendAtLocal {
            plan.localRelease = try await LocalRelease.load(
                userIDs: plan.userIDs, local: local, tenantID: input.tenantID, context: context)
        }
        return plan
    }

    /// The channels with an active template for `key`, and those of them that can be delivered:
    /// in-app always, the others when the tenant routes them through a provider.
    static func templatedAndRoutedChannels(
        tenantID: String, key: String, reads: ValidateReads, context: FunctionContext
    ) async throws -> (templated: Set<Channel>, routed: Set<Channel>) {
        let routing = try await reads.routing.load(
            ValidateReads.TemplateKey(tenantID: tenantID, key: key), context: context)
        var templated = Set<Channel>()
        var routed = Set<Channel>()
        for (name, isRouted) in routing {
            guard let channel = Channel(rawValue: name) else { continue }
            templated.insert(channel)
            if isRouted { routed.insert(channel) }
        }
        return (templated, routed)
    }

    /// The ids of the users of this batch's page of `externalIDs` that exist, by external id; nil
    /// when the notification names a topic instead.
    static func existingUsers(
        _ externalIDs: [String]?, input: ValidateInput, reads: ValidateReads, context: FunctionContext
    ) async throws -> [String: Int64]? {
        guard let externalIDs else { return nil }
        return try await reads.users.load(userPage(externalIDs, input: input), context: context)
    }

    /// The page of `externalIDs` that this batch (from `input`'s cursor) expands.
    static func userPage(_ externalIDs: [String], input: ValidateInput) -> ValidateReads.UserPage {
        let offset = Int(input.cursor ?? 0)
        let end = min(externalIDs.count, offset + ValidateFunction.expansionBatchSize)
        return ValidateReads.UserPage(
            tenantID: input.tenantID, externalIDs: offset < end ? Array(externalIDs[offset..<end]) : [])
    }

    /// Takes this batch's page of `externalIDs`, given the ids of those of them that exist.
    mutating func expandUsers(_ externalIDs: [String], found: [String: Int64], input: ValidateInput) {
        let page = Self.userPage(externalIDs, input: input).externalIDs
        var seen = Set<Int64>()
        for external in page {
            if let id = found[external] {
                if seen.insert(id).inserted { userIDs.append(id) }
            } else {
                unknownUsers.append(external)
            }
        }
        let end = Int(input.cursor ?? 0) + page.count
        nextCursor = end < externalIDs.count ? Int64(end) : nil
    }

    mutating func expandTopic(_ topic: String, input: ValidateInput, context: FunctionContext) async throws {
        if input.cursor == nil {
            let exists = try await context.database.query(
                "SELECT 1 FROM notify.topics WHERE tenant_id = \(input.tenantID) AND key = \(topic)",
                logger: context.logger)
            if exists.isEmpty {
                throw Refusal(
                    code: "unknown_topic",
                    message: "topic \"\(topic)\" does not exist; create it with PUT /v1/topics/\(topic)")
            }
        }
        let rows = try await context.database.query(
            """
            SELECT user_id FROM notify.topic_subscribers
            WHERE tenant_id = \(input.tenantID) AND topic_key = \(topic) AND user_id > \(input.cursor ?? 0)
            ORDER BY user_id LIMIT \(ValidateFunction.expansionBatchSize)
            """, logger: context.logger)
        userIDs = try rows.map { try $0.decode(Int64.self) }
        nextCursor = userIDs.count == ValidateFunction.expansionBatchSize ? userIDs.last : nil
    }

    func output(_ input: ValidateInput) throws -> FunctionOutput {
        var result = FunctionOutput()
        var next: [JobRequest] = []
        let finished = nextCursor == nil
        // One row per (user, channel); a single channel needs no arrays but the users'.
        let rows = userIDs.count * channels.count
        let userColumn: MergeableWrite.Column
        let channelColumn: MergeableWrite.Column
        if channels.count == 1 {
            userColumn = .bigint(userIDs)
            channelColumn = .repeatedText(channels[0].rawValue, count: rows)
        } else {
            var users: [Int64] = []
            var names: [String] = []
            users.reserveCapacity(rows)
            names.reserveCapacity(rows)
            for user in userIDs {
                for channel in channels {
                    users.append(user)
                    names.append(channel.rawValue)
                }
            }
            userColumn = .bigint(users)
            channelColumn = .text(names)
        }
        result.appendMergeable(
            MergeableWrite(
                sql: Self.deliveriesSQL,
                columns: [
                    .repeatedText(input.tenantID, count: rows), .repeatedUUID(input.notificationID, count: rows),
                    userColumn, channelColumn,
                ]))
        result.appendMergeable(
            MergeableWrite(
                sql: Self.progressSQL,
                columns: [
                    .repeatedUUID(input.notificationID, count: 1), .repeatedText(input.tenantID, count: 1),
                    .repeatedText(finished ? "done" : "processing", count: 1),
                    .repeatedBigint(Int64(userIDs.count), count: 1),
                    .repeatedBigint(Int64(eraseContentAfterSeconds ?? 0), count: 1),
                    .repeatedBigint(eraseFromMilliseconds, count: 1),
                ]))
        var writes: [PostgresQuery] = []
        if isFirstBatch {
            for skipped in skippedChannels {
                writes.append(
                    TimelineWrites.notificationEvent(
                        tenantID: input.tenantID, notificationID: input.notificationID, kind: "channel_skipped",
                        detail: TimelineWrites.detail(["channel": skipped.channel, "reason": skipped.reason])))
            }
        }
        for external in unknownUsers {
            writes.append(
                TimelineWrites.notificationEvent(
                    tenantID: input.tenantID, notificationID: input.notificationID, kind: "recipient_refused",
                    detail: TimelineWrites.detail(["user": external, "reason": "unknown_user"])))
        }
        result.writes += writes
        if finished {
            result.appendMergeable(
                MergeableWrite(
                    sql: Self.expandedSQL,
                    columns: [.repeatedUUID(input.notificationID, count: 1), .repeatedText(input.tenantID, count: 1)]))
        }
        if let localRelease {
            result.writes.append(localRelease.events(input, channels: channels))
            next += try localRelease.jobs(input, channels: channels, lane: lane)
        }
        // A notification whose recipients fit in one batch per channel may be filtered, rendered and
        // delivered inside this job (its batches say their deliveries are new); a larger expansion
        // leaves its batches to run as jobs of their own, side by side.
        let inlinable = isFirstBatch && finished && userIDs.count <= DeliveryBatch.maximumSize
        for channel in channels where localRelease == nil {
            for var batch in DeliveryBatch.split(
                tenantID: input.tenantID, notificationID: input.notificationID, channel: channel, userIDs: userIDs)
            {
                batch.newDeliveries = true
                var request = try JobRequest(
                    function: "preference-filter", input: batch, lane: lane, tenantID: input.tenantID)
                request.inputCoversPendingWrites = inlinable
                next.append(request)
            }
        }
        if let nextCursor {
            var continuation = input
            continuation.cursor = nextCursor
            next.append(
                try JobRequest(
                    function: ValidateFunction.name, input: continuation, lane: lane, tenantID: input.tenantID))
        }
        result.next = next
        result.summary =
            #"{"recipients":\#(userIDs.count),"unknown_users":\#(unknownUsers.count),"channels":\#(channels.count),"more":\#(!finished)}"#
        return result
    }

    /// Creates deliveries, given as rows of (tenant, notification, user, channel). This and the
    /// two below are the statements of ``NotifyFunctionKit/MergeableWrite``s: the expansions of many
    /// notifications are written in one statement each.
    static let deliveriesSQL = """
        INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel)
        SELECT * FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::text[])
        ON CONFLICT (notification_id, user_id, channel) DO NOTHING
        """

    /// When the erasure's time starts, in milliseconds since 1970, or 0 for the statement's `now()`:
    /// for a send at recipients' local times, the last release instant of this batch.
    var eraseFromMilliseconds: Int64 {
        guard let latest = localRelease?.releases.map(\.at).max() else { return 0 }
        return Int64((latest.timeIntervalSince1970 * 1000).rounded(.up))
    }

    /// Counts expanded recipients and moves notifications on, given as rows of (notification,
    /// tenant, new status, recipients added, erase after seconds, erase from); rows of one
    /// notification add up.
    ///
    /// A category that erases content (`erase_content_after_seconds`, 0 here when it does not)
    /// gives the notification its `erase_content_at`: that many seconds from now, or from the last
    /// local release instant (milliseconds since 1970, 0 for now), never earlier than a previous
    /// batch set it. For other categories the column stays NULL and the update stays heap-only.
    ///
    /// The table is reached from the rows, one key lookup each: with an `id = ANY($1)` anchor the
    /// planner, which rightly expects few rows in this status, started from the table and re-read
    /// every input row for each row it found: work that grew with the square of the batch (41 ms
    /// against 2.6 ms for 400 rows).
    static let progressSQL = """
        UPDATE notify.notifications AS n
        SET status = r.status, recipient_count = n.recipient_count + r.added, updated_at = now(),
            erase_content_at = CASE WHEN r.erase_after > 0
                THEN greatest(n.erase_content_at,
                              CASE WHEN r.erase_from > 0 THEN to_timestamp(r.erase_from / 1000.0) ELSE now() END
                                  + make_interval(secs => r.erase_after))
                ELSE n.erase_content_at END
        FROM (
            SELECT id, tenant_id, CASE WHEN bool_or(status = 'done') THEN 'done' ELSE 'processing' END AS status,
                   sum(added) AS added, max(erase_after) AS erase_after, max(erase_from) AS erase_from
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])
                 AS u(id, tenant_id, status, added, erase_after, erase_from)
            GROUP BY id, tenant_id
        ) AS r
        WHERE n.id = r.id AND n.tenant_id = r.tenant_id
          AND n.status IN ('accepted', 'scheduled', 'processing')
        """

    /// Records that notifications are fully expanded, given as rows of (notification, tenant).
    static let expandedSQL = """
        INSERT INTO notify.events (tenant_id, notification_id, kind, detail)
        SELECT n.tenant_id, n.id, 'expanded', jsonb_build_object('recipients', n.recipient_count)
        FROM notify.notifications n
        JOIN (SELECT DISTINCT * FROM unnest($1::uuid[], $2::text[]) AS u(id, tenant_id)) AS r
          ON n.id = r.id AND n.tenant_id = r.tenant_id
        """
}
