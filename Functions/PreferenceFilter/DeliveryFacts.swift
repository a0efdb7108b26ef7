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

    /// Reads the batch's pending and deferred deliveries with their user's address, suppression,
    /// preferences and, for users with a cap on this category, their recent sends.
    static func load(
        _ batch: DeliveryBatch, categoryKey: String, context: FunctionContext
    ) async throws
        -> [DeliveryFacts]
    {
        let rows = try await context.database.query(
            """
            SELECT d.user_id, d.status, u.id IS NOT NULL,
                   CASE d.channel
                       WHEN 'email' THEN u.email_cipher IS NOT NULL
                       WHEN 'sms' THEN u.phone_cipher IS NOT NULL
                       WHEN 'push' THEN EXISTS (SELECT 1 FROM notify.devices v
                                                WHERE v.user_id = u.id AND v.invalidated_at IS NULL)
                       ELSE true END,
                   EXISTS (SELECT 1 FROM notify.suppressions s
                           WHERE s.tenant_id = d.tenant_id AND s.channel = d.channel
                             AND s.address_hash = CASE d.channel WHEN 'email' THEN u.email_hash
                                                                 WHEN 'sms' THEN u.phone_hash END),
                   (p.channels -> \(categoryKey) ->> d.channel)::boolean,
                   p.quiet_hours::text,
                   (p.frequency_caps -> \(categoryKey))::text,
                   coalesce((SELECT f.status = 'delivered'
                                    AND (f.channel <> 'inapp' OR EXISTS (SELECT 1 FROM notify.inbox_items i
                                                                         WHERE i.delivery_id = f.id
                                                                           AND i.read_at IS NOT NULL))
                             FROM notify.deliveries f WHERE f.id = d.fallback_of), false)
            FROM notify.deliveries d
            LEFT JOIN notify.users u ON u.id = d.user_id AND u.tenant_id = d.tenant_id
            LEFT JOIN notify.preferences p ON p.user_id = d.user_id AND p.tenant_id = d.tenant_id
            WHERE d.notification_id = \(batch.notificationID) AND d.tenant_id = \(batch.tenantID)
              AND d.channel = \(batch.channel.rawValue) AND d.user_id = ANY(\(batch.userIDs)::bigint[])
              AND d.status IN ('pending', 'deferred')
            """, logger: context.logger)
        let decoder = JSONDecoder()
        var facts: [DeliveryFacts] = []
        for row in rows {
            let (userID, status, exists, hasAddress, suppressed, optedIn, quiet, cap, primaryReached) = try row.decode(
                (Int64, String, Bool, Bool?, Bool, Bool?, String?, String?, Bool).self)
            facts.append(
                DeliveryFacts(
                    userID: userID, status: status, userExists: exists, hasAddress: hasAddress ?? false,
                    suppressed: suppressed, optedIn: optedIn,
                    quietHours: try quiet.map { try decoder.decode(QuietHours.self, from: Data($0.utf8)) },
                    frequencyCap: try cap.map { try decoder.decode(FrequencyCap.self, from: Data($0.utf8)) },
                    sentInWindow: 0, oldestSentInWindow: nil, primaryReached: primaryReached))
        }
        try await addRecentSends(to: &facts, batch: batch, categoryKey: categoryKey, context: context)
        return facts
    }

    /// Counts, per capped user, the category's sends within the cap's window (any channel).
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
