import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// `preference-filter`: decides, per delivery, whether to send now, later, or not at all.
///
/// It applies the user's opt-outs per category and channel, the tenant's suppression list, quiet
/// hours in the user's time zone, frequency caps, and whether the user has an address for the
/// channel (see ``NotifyModel/PreferenceEvaluator`` for the order and the critical-category
/// bypasses). Every drop and deferral is a timeline event with its reason; deferred deliveries come
/// back to this function when their window ends. Deliveries to send go on to `render`; those of a
/// digest category are collected into the user's open digest instead (see ``DigestCollection``).
public struct PreferenceFilterFunction: NotifyFunction {
    public typealias Input = DeliveryBatch

    public static let name: FunctionName = "preference-filter"
    /// Its completion does not wait for the disk: its output only changes the database, and a
    /// lost one is computed again (see `CompletionCommit`).
    ///
    /// It reads the deliveries it decides, so it runs inside its predecessor's job only when that
    /// job wrote nothing or its batch names deliveries the job is creating (`validate`'s batches of
    /// a notification small enough to go through in one job; see ``NotifyModel/DeliveryBatch/newDeliveries``).
    public static let settings = FunctionSettings(
        maxAttempts: 5, timeout: .seconds(30), inlining: .whenPredecessorWroteNothing, completion: .asynchronous)

    /// Reads the inputs of concurrent jobs together.
    private let reads = RequestCoalescer<DeliveryBatch, Result<PreferenceInputs, any Error>>(
        fetch: PreferenceInputs.fetch)

    /// Creates the function.
    public init() {}

    public func handle(_ batch: DeliveryBatch, context: FunctionContext) async throws -> FunctionOutput {
        let now = context.clock.now()
        let inputs = try await reads.load(batch, context: context).get()
        let notification = inputs.notification
        var candidates = inputs.candidates
        try await DeliveryFacts.addRecentSends(
            to: &candidates, batch: batch, categoryKey: notification.category.key, context: context)
        if notification.cancelled {
            return FunctionOutput(
                writes: [
                    TimelineWrites.transition(
                        batch, userIDs: candidates.map(\.userID), from: ["pending", "deferred"], to: "dropped",
                        reason: DropReason.cancelled.rawValue, event: "dropped",
                        detail: TimelineWrites.detail(["reason": DropReason.cancelled.rawValue]))
                ], summary: #"{"cancelled":\#(candidates.count)}"#)
        }
        let evaluator = PreferenceEvaluator()
        var send: [Int64] = []
        var drops: [DropReason: [Int64]] = [:]
        var deferrals: [DeferralKey: [Int64]] = [:]
        var collect: [Int64] = []
        for candidate in candidates {
            if candidate.primaryReached {
                drops[.primaryReached, default: []].append(candidate.userID)
                continue
            }
            let facts = candidate.facts(
                batch.channel, category: notification.category, isDigestRelease: notification.isDigestRelease)
            switch evaluator.decide(facts, now: now) {
            case .send:
                send.append(candidate.userID)
            case .collect where notification.category.digest != nil:
                collect.append(candidate.userID)
            case .collect:
                // A cap action of `digest` without a digest (refused by the API): send, never lose it.
                send.append(candidate.userID)
            case .drop(let reason):
                drops[reason, default: []].append(candidate.userID)
            case .deferUntil(let until, let reason):
                deferrals[DeferralKey(until: until, reason: reason), default: []].append(candidate.userID)
            }
        }
        var result = try output(
            batch, send: send, drops: drops, deferrals: deferrals, lane: context.lane, deferredNow: candidates,
            timedFallback: notification.timedFallback)
        if let digest = notification.category.digest, !collect.isEmpty {
            result.writes.append(
                DigestCollection.write(
                    batch, userIDs: collect, categoryKey: notification.category.key, digest: digest,
                    lane: context.lane))
            result.summary = result.summary.map { String($0.dropLast()) + #","digested":\#(collect.count)}"# }
        }
        return result
    }

    private func output(
        _ batch: DeliveryBatch, send: [Int64], drops: [DropReason: [Int64]], deferrals: [DeferralKey: [Int64]],
        lane: Lane, deferredNow candidates: [DeliveryFacts], timedFallback: Bool
    ) throws -> FunctionOutput {
        var writes: [PostgresQuery] = []
        var next: [JobRequest] = []
        // Deliveries deferred earlier and released now go back to pending before render.
        let released = Set(candidates.filter { $0.status == "deferred" }.map(\.userID)).intersection(send)
        if !released.isEmpty {
            writes.append(
                TimelineWrites.transition(
                    batch, userIDs: Array(released), from: ["deferred"], to: "pending", event: "released"))
        }
        for (reason, users) in drops.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            writes.append(
                TimelineWrites.transition(
                    batch, userIDs: users, from: ["pending", "deferred"], to: "dropped", reason: reason.rawValue,
                    event: "dropped", detail: TimelineWrites.detail(["reason": reason.rawValue])))
        }
        if let unreachable = drops[.noAddress], !unreachable.isEmpty {
            writes.append(ChannelFallback.writes(batch, userIDs: unreachable, lane: lane))
        }
        for (key, users) in deferrals.sorted(by: { $0.key.until < $1.key.until }) {
            let until = ISO8601DateFormatter().string(from: key.until)
            writes.append(
                TimelineWrites.transition(
                    batch, userIDs: users, from: ["pending", "deferred"], to: "deferred", reason: key.reason,
                    event: "deferred", detail: TimelineWrites.detail(["reason": key.reason, "until": until])))
            var later = batch
            later.userIDs = users
            later.newDeliveries = nil
            next.append(
                try JobRequest(
                    function: Self.name, input: later, lane: lane, runAt: key.until, tenantID: batch.tenantID))
        }
        if !send.isEmpty {
            var onward = batch
            onward.userIDs = send
            onward.timedFallback = timedFallback
            var request = try JobRequest(function: "render", input: onward, lane: lane, tenantID: batch.tenantID)
            // Render reads the pending deliveries: of a batch of new ones, this job's writes change
            // only those it does not pass on (drops, deferrals), so render may run before they commit.
            request.inputCoversPendingWrites = batch.newDeliveries == true && released.isEmpty
            next.append(request)
        }
        let dropped = drops.values.reduce(0) { $0 + $1.count }
        let deferred = deferrals.values.reduce(0) { $0 + $1.count }
        return FunctionOutput(
            next: next, writes: writes,
            summary: #"{"send":\#(send.count),"dropped":\#(dropped),"deferred":\#(deferred)}"#)
    }
}

/// Deliveries deferred to the same instant for the same reason travel in one job.
struct DeferralKey: Hashable {
    var until: Date
    var reason: String
}
