import Foundation
import Logging
import NotifyFunctionKit
import NotifyModel
import NotifyProviders
import PostgresNIO

/// Claims a batch's deliveries for sending (status `sending`, one more attempt) and loads what
/// sending needs. A delivery an earlier attempt left in `sending` comes back marked
/// ``PendingDelivery/wasInFlight``.
enum PendingDeliveryLoader {
    struct Claim: Sendable {
        var deliveries: [PendingDelivery]
        /// The category's policy for unknown outcomes: `retry` or `give_up`.
        var unknownOutcome: String
        /// `transactional` or `marketing`.
        var categoryKind: String
        var categoryKey: String
        var undecryptable: [Int64]
        /// Users whose delivery another attempt is sending right now (claimed less than the stale
        /// time ago), with how long until that claim counts as interrupted.
        var busy: [(userID: Int64, staleIn: Double)] = []
    }

    /// A delivery in `sending` for longer than `staleAfter` was left by an attempt that died; a
    /// younger one belongs to an attempt still running (a duplicate job), which is left alone.
    /// `holder` names the job attempt in the delivery's `reason` while it is `sending`, so an
    /// operator (and `schedule-tick`'s rescue event) can tell which attempt was sending it.
    static func claim(
        _ batch: DeliveryBatch, staleAfter: Duration, holder: String, cipher: ContactCipher, client: PostgresClient,
        logger: Logger
    ) async throws -> Claim {
        let staleSeconds = staleAfter.inSeconds
        let rows = try await FunctionDatabase(client: client).query(
            """
            WITH old AS (
                SELECT d.id, d.status FROM notify.deliveries d
                JOIN notify.notifications n ON n.id = d.notification_id
                WHERE d.notification_id = \(batch.notificationID) AND d.tenant_id = \(batch.tenantID)
                  AND d.channel = \(batch.channel.rawValue) AND d.user_id = ANY(\(batch.userIDs)::bigint[])
                  AND (d.status = 'rendered'
                       OR (d.status = 'sending' AND d.sending_since < now() - make_interval(secs => \(staleSeconds))))
                  AND n.status <> 'cancelled'
                FOR UPDATE OF d
            ), claimed AS (
                UPDATE notify.deliveries d
                SET status = 'sending', attempts = d.attempts + 1, sending_since = clock_timestamp(), updated_at = now(),
                    reason = \(holder)
                FROM old WHERE d.id = old.id
                RETURNING d.id, d.user_id, d.content, d.attempts, old.status AS previous, d.provider_account_id
            )
            SELECT c.id, c.user_id, c.content::text, c.attempts, c.previous = 'sending', c.provider_account_id,
                   u.external_id, u.email_cipher, u.phone_cipher,
                   coalesce(k.unknown_outcome, 'retry'), coalesce(k.kind, 'transactional'), coalesce(k.key, '')
            FROM claimed c JOIN notify.users u ON u.id = c.user_id AND u.tenant_id = \(batch.tenantID)
            LEFT JOIN (
                SELECT cat.unknown_outcome, cat.kind, cat.key FROM notify.notifications n
                JOIN notify.categories cat ON cat.tenant_id = n.tenant_id AND cat.key = n.category_key
                WHERE n.id = \(batch.notificationID) AND n.tenant_id = \(batch.tenantID)
            ) k ON true
            """, logger: logger)
        var claim = Claim(
            deliveries: [], unknownOutcome: "retry", categoryKind: "transactional", categoryKey: "",
            undecryptable: [])
        let decoder = JSONDecoder()
        for row in rows {
            let (
                id, userID, contentText, attempts, inFlight, previousAccount, externalID, email, phone, policy, kind,
                key
            ) =
                try row.decode(
                    (Int64, Int64, String, Int, Bool, String?, String, Data?, Data?, String, String, String).self)
            claim.unknownOutcome = policy
            claim.categoryKind = kind
            claim.categoryKey = key
            let content = try decoder.decode(RenderedContent.self, from: Data(contentText.utf8))
            var contact = PendingDelivery.Contact.none
            do {
                switch batch.channel {
                case .email: if let email { contact = .email(try cipher.open(Array(email))) }
                case .sms: if let phone { contact = .phone(try cipher.open(Array(phone))) }
                case .webhook: contact = .endpoint
                case .push, .inapp: break
                }
            } catch {
                claim.undecryptable.append(id)
                continue
            }
            claim.deliveries.append(
                PendingDelivery(
                    id: id, userID: userID, externalID: externalID, content: content, attempts: attempts,
                    wasInFlight: inFlight, previousAccountID: previousAccount, contact: contact))
        }
        try await findBusy(&claim, batch: batch, staleSeconds: staleSeconds, client: client, logger: logger)
        if batch.channel == .push, !claim.deliveries.isEmpty {
            try await attachDevices(&claim, batch: batch, cipher: cipher, client: client, logger: logger)
        }
        return claim
    }

    /// Records the batch's deliveries that another live attempt is sending (claimed less than
    /// `staleSeconds` ago).
    private static func findBusy(
        _ claim: inout Claim, batch: DeliveryBatch, staleSeconds: Double, client: PostgresClient, logger: Logger
    ) async throws {
        // This attempt's own claim just set its deliveries to `sending`: they are not busy. When it
        // claimed every user of the batch, there is nobody left to look for.
        let claimed = claim.deliveries.map(\.id) + claim.undecryptable
        guard claimed.count < Set(batch.userIDs).count else { return }
        let busy = try await FunctionDatabase(client: client).query(
            """
            SELECT user_id, extract(epoch FROM sending_since + make_interval(secs => \(staleSeconds)) - now())::float8
            FROM notify.deliveries
            WHERE notification_id = \(batch.notificationID) AND tenant_id = \(batch.tenantID)
              AND channel = \(batch.channel.rawValue) AND user_id = ANY(\(batch.userIDs)::bigint[])
              AND status = 'sending' AND sending_since >= now() - make_interval(secs => \(staleSeconds))
              AND NOT (id = ANY(\(claimed)::bigint[]))
            """, logger: logger)
        for row in busy {
            let (userID, staleIn) = try row.decode((Int64, Double).self)
            claim.busy.append((userID, max(staleIn, 0.05)))
        }
    }

    private static func attachDevices(
        _ claim: inout Claim, batch: DeliveryBatch, cipher: ContactCipher, client: PostgresClient, logger: Logger
    ) async throws {
        let users = claim.deliveries.map(\.userID)
        let rows = try await FunctionDatabase(client: client).query(
            """
            SELECT id, user_id, platform, token_cipher FROM notify.devices
            WHERE tenant_id = \(batch.tenantID) AND user_id = ANY(\(users)::bigint[]) AND invalidated_at IS NULL
            ORDER BY id
            """, logger: logger)
        var devices: [Int64: [PendingDelivery.PushDevice]] = [:]
        for row in rows {
            let (id, userID, platform, token) = try row.decode((Int64, Int64, String, Data).self)
            guard let opened = try? cipher.open(Array(token)) else { continue }
            devices[userID, default: []].append(
                PendingDelivery.PushDevice(id: id, platform: platform == "apns" ? .ios : .android, token: opened))
        }
        for index in claim.deliveries.indices {
            let found = devices[claim.deliveries[index].userID] ?? []
            claim.deliveries[index].contact = found.isEmpty ? .none : .devices(found)
        }
    }
}
