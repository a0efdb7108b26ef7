import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// One delivery's facts for the preference decision, read in one query for the whole batch.
struct DeliveryFacts: Sendable {
    var userID: Int64
    var status: String
    var userExists: Bool
    var hasAddress: Bool
    var suppressed: Bool
    var optedIn: Bool?
    var quietHours: QuietHours?
    var frequencyCap: FrequencyCap?
    var sentInWindow: Int
    var oldestSentInWindow: Date?
    /// For a timed fallback delivery: whether the delivery it stands behind reached the user.
    var primaryReached = false

    func facts(_ channel: Channel, category: CategoryFacts, isDigestRelease: Bool = false) -> PreferenceFacts {
        PreferenceFacts(
            channel: channel, categoryKey: category.key, categoryKind: category.kind, critical: category.critical,
            capAction: category.capAction, optedIn: optedIn, suppressed: suppressed,
            hasAddress: userExists && hasAddress, quietHours: quietHours, frequencyCap: frequencyCap,
            sentInWindow: sentInWindow, oldestSentInWindow: oldestSentInWindow, digestMode: category.digest?.mode,
            isDigestRelease: isDigestRelease)
    }

    /// Reads the deliveries of `batches` still to decide (pending or deferred, or not found yet in a
    /// batch of new deliveries), with their users' preferences for their notification's category,
    /// in one query: per batch, the key of that category when the caller knows it, else empty (the
    /// statement looks it up). Frequency-cap counts are left out (see
    /// ``addRecentSends(to:batch:categoryKey:context:)``). A batch whose rows cannot be read gets
    /// its own failure.
    static func loadAll(
        _ batches: [DeliveryBatch], categoryKeys: [String], context: FunctionContext
    ) async throws -> [Result<[DeliveryFacts], any Error>] {
        let keys = DeliveryKeys(batches)
        let rows = try await context.database.query(
            """
            SELECT r.ord, r.user_id, coalesce(d.status, 'pending'), u.id IS NOT NULL,
                   CASE r.channel
                       WHEN 'email' THEN u.email_cipher IS NOT NULL
                       WHEN 'sms' THEN u.phone_cipher IS NOT NULL
                       WHEN 'push' THEN EXISTS (SELECT 1 FROM notify.devices v
                                                WHERE v.user_id = u.id AND v.invalidated_at IS NULL)
                       ELSE true END,
                   EXISTS (SELECT 1 FROM notify.suppressions s
                           WHERE s.tenant_id = r.tenant_id AND s.channel = r.channel
                             AND s.address_hash = CASE r.channel WHEN 'email' THEN u.email_hash
                                                                 WHEN 'sms' THEN u.phone_hash END),
                   (p.channels -> n.category_key ->> r.channel)::boolean,
                   p.quiet_hours::text,
                   (p.frequency_caps -> n.category_key)::text,
                   coalesce((SELECT f.status = 'delivered'
                                    AND (f.channel <> 'inapp' OR EXISTS (SELECT 1 FROM notify.inbox_items i
                                                                         WHERE i.delivery_id = f.id
                                                                           AND i.read_at IS NOT NULL))
                             FROM notify.deliveries f WHERE f.id = d.fallback_of), false)
            -- The arrays behind sub-selects, so the plan is the same for every batch size and is made
            -- once per connection (see AutoPreparedStatement); one lookup by key per delivery (OFFSET 0 keeps
            -- it a lookup, whatever the statistics say).
            FROM unnest((SELECT \(keys.batchIndexes)::bigint[]), (SELECT \(keys.notificationIDs)::uuid[]),
                        (SELECT \(keys.tenantIDs)::text[]), (SELECT \(keys.channels)::text[]),
                        (SELECT \(keys.userIDs)::bigint[]),
                        (SELECT \(keys.perRow { categoryKeys[$0] })::text[]),
                        (SELECT \(keys.perRow { batches[$0].newDeliveries == true })::boolean[]))
                 AS r(ord, notification_id, tenant_id, channel, user_id, category_key, new_deliveries)
            CROSS JOIN LATERAL (
                SELECT coalesce(nullif(r.category_key, ''),
                                (SELECT n.category_key FROM notify.notifications n
                                 WHERE n.id = r.notification_id AND n.tenant_id = r.tenant_id)) AS category_key
            ) n
            LEFT JOIN LATERAL (
                SELECT d.status, d.fallback_of, d.tenant_id FROM notify.deliveries d
                WHERE d.notification_id = r.notification_id AND d.user_id = r.user_id AND d.channel = r.channel
                OFFSET 0
            ) d ON d.tenant_id = r.tenant_id
            LEFT JOIN LATERAL (
                SELECT u.* FROM notify.users u WHERE u.id = r.user_id AND u.tenant_id = r.tenant_id OFFSET 0
            ) u ON true
            LEFT JOIN LATERAL (
                SELECT p.* FROM notify.preferences p WHERE p.user_id = r.user_id AND p.tenant_id = r.tenant_id OFFSET 0
            ) p ON true
            -- A delivery still to decide; or, in a batch of new deliveries, one its creating
            -- transaction has not committed yet (see DeliveryBatch.newDeliveries).
            WHERE d.status IN ('pending', 'deferred') OR (d.status IS NULL AND r.new_deliveries)
            """, logger: context.logger)
        let decoder = JSONDecoder()
        var facts = [[DeliveryFacts]](repeating: [], count: batches.count)
        var failures: [Int: any Error] = [:]
        for row in rows {
            let (index, userID, status, exists, hasAddress, suppressed, optedIn, quiet, cap, primaryReached) =
                try row.decode((Int64, Int64, String, Bool, Bool?, Bool, Bool?, String?, String?, Bool).self)
            do {
                facts[Int(index)].append(
                    DeliveryFacts(
                        userID: userID, status: status, userExists: exists, hasAddress: hasAddress ?? false,
                        suppressed: suppressed, optedIn: optedIn,
                        quietHours: try quiet.map { try decoder.decode(QuietHours.self, from: Data($0.utf8)) },
                        frequencyCap: try cap.map { try decoder.decode(FrequencyCap.self, from: Data($0.utf8)) },
                        sentInWindow: 0, oldestSentInWindow: nil, primaryReached: primaryReached))
            } catch {
                failures[Int(index)] = error
            }
        }
        return facts.indices.map { index in failures[index].map { .failure($0) } ?? .success(facts[index]) }
    }

    static func addRecentSends(
        to facts: inout [DeliveryFacts], batch: DeliveryBatch, categoryKey: String, context: FunctionContext
    ) async throws {
        let capped = facts.indices.filter { facts[$0].frequencyCap != nil }
        guard !capped.isEmpty else { return }
        let users = capped.map { facts[$0].userID }
        let windows = capped.map { Int64(facts[$0].frequencyCap!.windowSeconds) }
        let now = context.clock.now()
        let rows = try await context.database.query(
            """
            SELECT w.user_id, count(d.id), min(d.updated_at)
            FROM unnest(\(users)::bigint[], \(windows)::bigint[]) AS w(user_id, window_seconds)
            LEFT JOIN notify.deliveries d
              ON d.tenant_id = \(batch.tenantID) AND d.user_id = w.user_id
             AND d.status IN ('sent', 'delivered')
             AND d.updated_at > \(now) - make_interval(secs => w.window_seconds)
             AND EXISTS (SELECT 1 FROM notify.notifications n
                         WHERE n.id = d.notification_id AND n.category_key = \(categoryKey))
            GROUP BY w.user_id
            """, logger: context.logger)
        var counts: [Int64: (Int, Date?)] = [:]
        for row in rows {
            let (user, count, oldest) = try row.decode((Int64, Int64, Date?).self)
            counts[user] = (Int(count), oldest)
        }
        for index in capped {
            if let (count, oldest) = counts[facts[index].userID] {
                facts[index].sentInWindow = count
                facts[index].oldestSentInWindow = oldest
            }
        }
    }
}
