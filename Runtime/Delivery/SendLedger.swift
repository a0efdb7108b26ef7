import Foundation
import NotifyFunctionKit
import NotifyJSON
import NotifyModel
import NotifyProviders
import PostgresNIO

/// What happened to each delivery of a batch while sending, turned at the end into the job's
/// output: delivery updates, timeline events, suppressions, invalidated devices and the jobs that
/// retry or snooze what is left. Nothing here contains a contact point except as a keyed hash.
struct SendLedger: Sendable {
    struct Acceptance: Sendable {
        var accountID: String
        var kind: ProviderKind
        var messageID: String
        var costMicros: Int64
    }

    struct Outcome: Sendable {
        var accepted: Acceptance?
        var permanent: ProviderFailure?
        var unknown: ProviderFailure?
        var unknownAccount: String?
        var retry = false
        var retryAfter: Duration?
        /// Why a retry was scheduled when no provider was tried (`circuit_open`), for its event.
        var retryReason: String?
        var snoozeFor: Duration?
        var finalReason: String?
    }

    struct Event: Sendable {
        var delivery: Int64
        var kind: String
        /// The event's detail as JSON text (an object of strings, its keys sorted).
        var detailText: String

        init(delivery: Int64, kind: String, detail: [String: String]) {
            self.init(delivery: delivery, kind: kind, detailText: TimelineWrites.detail(detail))
        }

        init(delivery: Int64, kind: String, detailText: String) {
            self.delivery = delivery
            self.kind = kind
            self.detailText = detailText
        }
    }

    let batch: DeliveryBatch
    let channel: NotifyModel.Channel
    var outcomes: [Int64: Outcome] = [:]
    /// Each delivery's user (0 for none to fall back to) and its attempts, this one included.
    var recipients: [Int64: (user: Int64, attempts: Int)] = [:]
    var events: [Event] = []
    var suppressedHashes: [(hash: String, reason: String)] = []
    /// Devices to invalidate, with the time the provider confirmed the token invalid, if it said.
    var invalidatedDevices: [(id: Int64, reason: String, since: Date?)] = []
    /// Users whose delivery another attempt is sending now: looked at again once that claim is stale.
    var busy: [(userID: Int64, staleIn: Double)] = []
    /// Whether the claim left some of the batch's users out (already sent, dropped, or their
    /// notification cancelled); only then is a cancel's leftover `rendered` delivery looked for.
    var skippedSome = false

    init(batch: DeliveryBatch, deliveries: [PendingDelivery]) {
        self.batch = batch
        self.channel = batch.channel
        for delivery in deliveries {
            outcomes[delivery.id] = Outcome()
            recipients[delivery.id] = (delivery.userID, delivery.attempts)
        }
    }

    mutating func event(_ delivery: Int64, _ kind: String, _ detail: [String: String] = [:]) {
        events.append(Event(delivery: delivery, kind: kind, detail: detail))
    }

    mutating func accepted(_ delivery: Int64, candidate: RouteCandidate, messageID: String) {
        if var outcome = outcomes[delivery], outcome.accepted == nil {
            // Read, changed and stored back: changing a value this large in place through the
            // dictionary's subscript allocates on every access.
            outcome.accepted = Acceptance(
                accountID: candidate.accountID, kind: candidate.kind, messageID: messageID,
                costMicros: candidate.costMicros)
            outcomes[delivery] = outcome
        }
        // What `event` would write for these three fields, written directly: one per message sent.
        var detail = #"{"account":"#
        detail.reserveCapacity(64 + candidate.accountID.utf8.count + messageID.utf8.count)
        JSONQuoting.append(candidate.accountID, to: &detail)
        detail += #","provider":"#
        JSONQuoting.append(candidate.kind.rawValue, to: &detail)
        detail += #","provider_message_id":"#
        JSONQuoting.append(messageID, to: &detail)
        detail += "}"
        events.append(Event(delivery: delivery, kind: "sent", detailText: detail))
    }

    mutating func failed(_ delivery: Int64, candidate: RouteCandidate, failure: ProviderFailure) {
        event(
            delivery, "attempt_failed",
            [
                "provider": candidate.kind.rawValue, "account": candidate.accountID, "code": failure.code,
                "class": failure.kind.rawValue,
            ])
    }

    mutating func finalise(_ delivery: Int64, reason: String) {
        outcomes[delivery]?.finalReason = reason
    }

    mutating func permanent(_ delivery: Int64, failure: ProviderFailure) {
        if outcomes[delivery]?.permanent == nil { outcomes[delivery]?.permanent = failure }
    }

    mutating func unknown(_ delivery: Int64, candidate: RouteCandidate, failure: ProviderFailure) {
        outcomes[delivery]?.unknown = failure
        outcomes[delivery]?.unknownAccount = candidate.accountID
        event(
            delivery, "unknown",
            ["provider": candidate.kind.rawValue, "account": candidate.accountID, "code": failure.code])
    }

    mutating func retry(_ delivery: Int64, after: Duration?, reason: String? = nil) {
        outcomes[delivery]?.retry = true
        if let reason { outcomes[delivery]?.retryReason = reason }
        if let after {
            let current = outcomes[delivery]?.retryAfter ?? .zero
            outcomes[delivery]?.retryAfter = max(current, after)
        }
    }

    mutating func snooze(_ delivery: Int64, for duration: Duration) {
        let current = outcomes[delivery]?.snoozeFor ?? .zero
        outcomes[delivery]?.snoozeFor = max(current, duration)
    }
}
