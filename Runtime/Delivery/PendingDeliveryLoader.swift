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
        /// Deliveries whose content was erased (their category's `erase_content_after_seconds`
        /// passed) before they could be sent: they are dropped, not sent.
        var erased: [Int64] = []
        /// Users whose delivery another attempt holds in `sending` (this attempt did not claim it),
        /// with how long until that claim counts as interrupted (at least 50 ms).
        var busy: [(userID: Int64, staleIn: Double)] = []
    }

    /// One chunk to claim: its batch, the claim's holder, and how old another attempt's claim
    /// must be before it counts as abandoned.
    struct Request: Sendable {
        var batch: DeliveryBatch
        var holder: String
        var staleAfter: Duration
    }

    /// Claims the chunks of `requests` in one statement: moves each one's rendered deliveries
    /// (and those whose earlier attempt is older than the request's `staleAfter`) to `sending`,
    /// with the request's holder, and returns them with their recipients' contact points and their
    /// category's policy (see ``claim(keys:requests:database:logger:)``); with the claim, push
    /// recipients' devices are read (at once for the critical lane); then it finds, per chunk, the
    /// deliveries another live attempt holds. A chunk whose rows cannot be read gets its own
    /// failure.
    static func claimAll(
        _ requests: [Request], cipher: ContactCipher, context: FunctionContext
    ) async throws -> [Result<Claim, any Error>] {
        let (database, logger) = (context.database, context.logger)
        let keys = DeliveryKeys(requests.map(\.batch))
        // Push recipients' devices (of every user of the push chunks; the claimed deliveries take
        // theirs below) are read with the claim: at once for the critical lane (see
        // `FunctionContext.both`).
        let pushIndexes = requests.indices.filter { requests[$0].batch.channel == .push }
        let (claimed, devices) = try await context.both(
            { try await Self.claim(keys: keys, requests: requests, database: database, logger: logger) },
            {
                try await Self.devices(
                    of: pushIndexes.map { requests[$0].batch }, cipher: cipher, database: database, logger: logger)
            })
        var claims = requests.map { _ in
            Claim(
                deliveries: [], unknownOutcome: "retry", categoryKind: "transactional", categoryKey: "",
                undecryptable: [])
        }
        var failures: [Int: any Error] = [:]
        for row in claimed {
            let (
                ord, id, userID, contentText, attempts, inFlight, previousAccount, externalID, contactCipher, policy,
                kind, key
            ) =
                try row.decode(
                    (Int64, Int64, Int64, String?, Int, Bool, String?, String, ByteBuffer?, String, String, String)
                        .self)
            let index = Int(ord)
            let channel = requests[index].batch.channel
            claims[index].unknownOutcome = policy
            claims[index].categoryKind = kind
            claims[index].categoryKey = key
            guard let contentText else {
                claims[index].erased.append(id)
                continue
            }
            let content: RenderedContent
            do {
                content = try RenderedContent(jsonText: contentText)
            } catch {
                failures[index] = error
                continue
            }
            var contact = PendingDelivery.Contact.none
            do {
                switch channel {
                case .email, .sms:
                    // The claim returns the one contact the channel sends to.
                    if let contactCipher {
                        let opened = try cipher.open(Array(contactCipher.readableBytesView))
                        contact = channel == .email ? .email(opened) : .phone(opened)
                    }
                case .webhook: contact = .endpoint
                case .push, .inapp: break
                }
            } catch {
                claims[index].undecryptable.append(id)
                continue
            }
            claims[index].deliveries.append(
                PendingDelivery(
                    id: id, userID: userID, externalID: externalID, content: content, attempts: attempts,
                    wasInFlight: inFlight, previousAccountID: previousAccount, contact: contact))
        }
        for index in requests.indices where failures[index] == nil {
            let request = requests[index]
            do {
                try await findBusy(
                    &claims[index], batch: request.batch, staleSeconds: request.staleAfter.inSeconds,
                    client: database.client, logger: logger)
            } catch {
                failures[index] = error
            }
        }
        for index in pushIndexes where failures[index] == nil {
            let tenant = requests[index].batch.tenantID
            for position in claims[index].deliveries.indices {
                let found = devices[DeviceOwner(tenant: tenant, user: claims[index].deliveries[position].userID)] ?? []
                claims[index].deliveries[position].contact = found.isEmpty ? .none : .devices(found)
            }
        }
        return claims.indices.map { index in failures[index].map { .failure($0) } ?? .success(claims[index]) }
    }

    /// The claim statement: moves the chunks' rendered (or stale `sending`) deliveries to
    /// `sending` and returns them with their recipients and categories.
    ///
    /// The claim is what lets a later attempt know that a message may already have gone out, so it
    /// waits for the disk, except when every delivery it claims belongs to a category whose
    /// `unknown_outcome` is `retry` (one-time passcodes): for those, a claim lost with a database
    /// crash leads to the same thing an unknown outcome does, a second send, and a one-time
    /// passcode's send then waits for no WAL flush of its own before the provider request.
    /// (Killed worker processes lose nothing: a committed claim is visible at once either way.)
    ///
    /// The read takes no row lock (a lock is a WAL record and a page write of its own, per
    /// delivery). Two attempts may then read the same delivery as ready; the update rechecks its
    /// status and `sending_since` against what was read, and after the first attempt's commit the
    /// second finds the row changed and leaves it out, as it would have with a lock.
    private static func claim(
        keys: DeliveryKeys, requests: [Request], database: FunctionDatabase, logger: Logger
    ) async throws -> [PostgresRow] {
        try await database.query(
            """
            WITH input AS (
                SELECT * FROM unnest(\(keys.batchIndexes)::bigint[], \(keys.notificationIDs)::uuid[],
                                     \(keys.tenantIDs)::text[], \(keys.channels)::text[], \(keys.userIDs)::bigint[],
                                     \(keys.perRow { requests[$0].holder })::text[],
                                     \(keys.perRow { requests[$0].staleAfter.inSeconds })::float8[])
                     AS r(ord, notification_id, tenant_id, channel, user_id, holder, stale_seconds)
            ), old AS (
                -- One lookup by key per delivery (OFFSET 0 keeps it a lookup, whatever the statistics say).
                SELECT r.ord, r.holder, d.id, d.status, d.sending_since
                FROM input r
                CROSS JOIN LATERAL (
                    SELECT n.status FROM notify.notifications n
                    WHERE n.id = r.notification_id AND n.tenant_id = r.tenant_id OFFSET 0
                ) n
                CROSS JOIN LATERAL (
                    SELECT d.id, d.tenant_id, d.status, d.sending_since FROM notify.deliveries d
                    WHERE d.notification_id = r.notification_id AND d.user_id = r.user_id AND d.channel = r.channel
                      AND (d.status = 'rendered'
                           OR (d.status = 'sending'
                               AND d.sending_since < now() - make_interval(secs => r.stale_seconds)))
                    OFFSET 0
                ) d
                WHERE n.status <> 'cancelled' AND d.tenant_id = r.tenant_id
            ), claimed AS (
                UPDATE notify.deliveries d
                SET status = 'sending', attempts = d.attempts + 1, sending_since = clock_timestamp(), updated_at = now(),
                    reason = old.holder
                FROM old WHERE d.id = ANY(ARRAY(SELECT id FROM old)) AND d.id = old.id
                  -- Still as read: a delivery another transaction changed in between (claimed,
                  -- sent or cancelled) is left out when this update rechecks it after that commit.
                  AND d.status = old.status AND d.sending_since IS NOT DISTINCT FROM old.sending_since
                RETURNING old.ord, d.id, d.tenant_id, d.notification_id, d.user_id, d.channel, d.content, d.attempts,
                          old.status AS previous, d.provider_account_id
            ), result AS (
                SELECT c.ord, c.id, c.user_id, c.content::text AS content, c.attempts,
                       c.previous = 'sending' AS in_flight, c.provider_account_id,
                       u.external_id,
                       -- The one contact the channel sends to, not both.
                       CASE c.channel WHEN 'email' THEN u.email_cipher WHEN 'sms' THEN u.phone_cipher END AS contact_cipher,
                       coalesce(k.unknown_outcome, 'retry') AS unknown_outcome,
                       coalesce(k.kind, 'transactional') AS kind, coalesce(k.key, '') AS category_key
                FROM claimed c JOIN notify.users u ON u.id = c.user_id AND u.tenant_id = c.tenant_id
                LEFT JOIN LATERAL (
                    SELECT cat.unknown_outcome, cat.kind, cat.key FROM notify.notifications n
                    JOIN notify.categories cat ON cat.tenant_id = n.tenant_id AND cat.key = n.category_key
                    WHERE n.id = c.notification_id AND n.tenant_id = c.tenant_id
                ) k ON true
            ), durability AS MATERIALIZED (
                -- Every delivery claimed here may be sent again when its outcome is unknown: then a
                -- claim lost with a database crash only means such a second send, and the claim
                -- commits without waiting for the disk (see this function's documentation).
                SELECT set_config('synchronous_commit', 'off', true) FROM result
                HAVING count(*) > 0 AND bool_and(unknown_outcome = 'retry')
            )
            SELECT r.* FROM result r LEFT JOIN durability ON true
            """, logger: logger)
    }

    private static func findBusy(
        _ claim: inout Claim, batch: DeliveryBatch, staleSeconds: Double, client: PostgresClient, logger: Logger
    ) async throws {
        // This attempt's own claim just set its deliveries to `sending`: they are not busy. When it
        // claimed every user of the batch, there is nobody left to look for. Every other delivery
        // in `sending` is busy, even one whose claim is stale by now: this statement's `now()` is
        // later than the claim's, and a claim that turned stale in between was not stale for the
        // claim. Such a delivery comes back at once (the shortest wait below) and is claimed then.
        // A cancelled notification's are not busy: the claim never takes them, so waiting for them
        // would come back every 50 ms for good.
        let claimed = claim.deliveries.map(\.id) + claim.undecryptable + claim.erased
        guard claimed.count < Set(batch.userIDs).count else { return }
        let busy = try await FunctionDatabase(client: client).query(
            """
            SELECT user_id, extract(epoch FROM sending_since + make_interval(secs => \(staleSeconds)) - now())::float8
            FROM notify.deliveries
            WHERE notification_id = \(batch.notificationID) AND tenant_id = \(batch.tenantID)
              AND channel = \(batch.channel.rawValue) AND user_id = ANY(\(batch.userIDs)::bigint[])
              AND status = 'sending' AND NOT (id = ANY(\(claimed)::bigint[]))
              -- As the claim: a cancelled notification's deliveries are not taken, so not waited for.
              AND EXISTS (
                  SELECT 1 FROM notify.notifications n
                  WHERE n.id = \(batch.notificationID) AND n.tenant_id = \(batch.tenantID) AND n.status <> 'cancelled')
            """, logger: logger)
        for row in busy {
            let (userID, staleIn) = try row.decode((Int64, Double).self)
            claim.busy.append((userID, max(staleIn, 0.05)))
        }
    }

    /// A user of a tenant, whose push devices ``devices(of:cipher:database:logger:)`` reads.
    struct DeviceOwner: Hashable {
        var tenant: String
        var user: Int64
    }

    /// The valid devices of every user of `batches` (push chunks), in one query for all of them;
    /// none when there is no batch.
    private static func devices(
        of batches: [DeliveryBatch], cipher: ContactCipher, database: FunctionDatabase, logger: Logger
    ) async throws -> [DeviceOwner: [PendingDelivery.PushDevice]] {
        var pairTenants: [String] = []
        var pairUsers: [Int64] = []
        for batch in batches {
            for user in Set(batch.userIDs) {
                pairTenants.append(batch.tenantID)
                pairUsers.append(user)
            }
        }
        guard !pairUsers.isEmpty else { return [:] }
        let rows = try await database.query(
            """
            SELECT v.id, v.tenant_id, v.user_id, v.platform, v.token_cipher, coalesce(v.registered_at, v.created_at)
            FROM (SELECT DISTINCT * FROM unnest(\(pairTenants)::text[], \(pairUsers)::bigint[]) AS k(tenant_id, user_id)) k
            JOIN notify.devices v ON v.tenant_id = k.tenant_id AND v.user_id = k.user_id AND v.invalidated_at IS NULL
            ORDER BY v.id
            """, logger: logger)
        var devices: [DeviceOwner: [PendingDelivery.PushDevice]] = [:]
        for row in rows {
            let (id, tenant, userID, platform, token, registeredAt) = try row.decode(
                (Int64, String, Int64, String, Data, Date).self)
            guard let opened = try? cipher.open(Array(token)) else { continue }
            devices[DeviceOwner(tenant: tenant, user: userID), default: []].append(
                PendingDelivery.PushDevice(
                    id: id, platform: platform == "apns" ? .ios : .android, token: opened, registeredAt: registeredAt))
        }
        return devices
    }
}
