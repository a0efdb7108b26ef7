import Crypto
import Foundation
import Logging
import NotifyFunctionKit
import NotifyModel
import NotifyProviders
import PostgresNIO

/// The sending step shared by `send-email`, `send-sms`, `send-push` and `send-webhook`.
///
/// For one batch it claims the deliveries, then walks the tenant's route for the channel: for each
/// provider account in order it skips an open circuit (or takes its single probe), takes send-rate
/// tokens shared by all processes, sends concurrently within a deadline, and classifies each
/// answer. A provider that is down or misconfigured hands the same deliveries to the next account
/// at once (failover without the retry backoff); a request that may have been accepted (unknown
/// outcome) is never failed over, so it is not sent twice; a 429 snoozes without spending an
/// attempt. What no account could take is retried later with capped, jittered backoff. Every
/// step is a timeline event; permanent answers suppress the address or invalidate the device.
public struct SendEngine: Sendable {
    let pool: ProviderPool
    let cipher: ContactCipher
    let hasher: LookupHasher
    let breaker: CircuitBreaker
    /// Which message each account's next circuit probe takes.
    private let probeTurns = ProbeTurns()
    let limiter: SendRateLimiter
    let settings: SendSettings
    let unsubscribeKey: SymmetricKey?
    /// Reads the routes of concurrent jobs together (each read is fresh: circuits change).
    let routes = RequestCoalescer<RouteTable.Key, RouteTable> { keys, context in
        try await RouteTable.loadAll(keys, database: context.database, logger: context.logger)
    }
    /// Claims the chunks of concurrent jobs together.
    let claims: RequestCoalescer<PendingDeliveryLoader.Request, Result<PendingDeliveryLoader.Claim, any Error>>
    /// Commits the outcomes of concurrent jobs' chunks together.
    let outcomes = RequestCoalescer<ChunkOutcome, Result<Void, any Error>>(fetch: SendEngine.commit)

    /// Creates the engine. With `unsubscribeKey` and a public URL, commercial email carries
    /// one-click unsubscribe headers.
    public init(
        pool: ProviderPool, cipher: ContactCipher, hasher: LookupHasher, breaker: CircuitBreaker = CircuitBreaker(),
        limiter: SendRateLimiter = SendRateLimiter(), settings: SendSettings = SendSettings(),
        unsubscribeKey: SymmetricKey? = nil
    ) {
        self.unsubscribeKey = unsubscribeKey
        self.pool = pool
        self.cipher = cipher
        self.hasher = hasher
        self.breaker = breaker
        self.limiter = limiter
        self.settings = settings
        self.claims = RequestCoalescer { requests, context in
            try await PendingDeliveryLoader.claimAll(requests, cipher: cipher, context: context)
        }
    }

    /// The error of a send function in a process that has no send engine.
    public static let unconfigured = FunctionError(
        .transient(retryAfter: .seconds(30)), code: "delivery_unconfigured",
        "this worker was started without NOTIFY_ENCRYPTION_KEYS and NOTIFY_LOOKUP_KEY, so it cannot read contact points; start send workers with them"
    )

    /// Sends one batch and returns what the runtime commits with the job.
    ///
    /// The batch is sent in chunks of ``SendSettings/chunkSize`` deliveries: each chunk is claimed
    /// (`sending`) just before its requests, and its outcomes are recorded as soon as they are
    /// known, in one transaction with the chunk's follow-up jobs (retries, snoozes, re-checks of
    /// deliveries another attempt holds). So a crash leaves at most one chunk per job in the unknown
    /// state, deliveries not yet attempted stay claimable as they were, and no outcome is ever
    /// recorded without the job that carries it on, even when this attempt's completion is lost.
    public func send(_ batch: DeliveryBatch, context: FunctionContext) async throws -> FunctionOutput {
        var route: RouteTable?
        var sent = 0
        var followUps = 0
        for start in stride(from: 0, to: batch.userIDs.count, by: settings.chunkSize) {
            await context.yieldToPriorityWork()
            var chunk = batch
            chunk.userIDs = Array(batch.userIDs[start..<min(start + settings.chunkSize, batch.userIDs.count)])
            var outcome = try await sendChunk(chunk, route: &route, context: context)
            // The chunk's follow-up jobs are enqueued by its outcome's own transaction.
            let next = outcome.output.next
            outcome.output.next = []
            if !next.isEmpty { outcome.output.writes.append(try JobRequest.enqueueWrite(next)) }
            if !outcome.output.writes.isEmpty { try await outcomes.load(outcome, context: context).get() }
            followUps += next.count
            sent += outcome.sentCount
        }
        return FunctionOutput(
            summary: #"{"deliveries":\#(batch.userIDs.count),"sent":\#(sent),"follow_up_jobs":\#(followUps)}"#)
    }

    /// Commits chunk outcomes in one transaction, their mergeable writes merged; the commit waits
    /// for the disk when one of them needs it (see ``ChunkOutcome/waitsForDisk``). When that fails,
    /// each commits alone, so one outcome that cannot be written holds no other back.
    @Sendable static func commit(
        _ outcomes: [ChunkOutcome], context: FunctionContext
    ) async throws -> [Result<Void, any Error>] {
        let client = context.database.client
        let logger = context.logger
        return try await servedTogetherOrEachAlone(outcomes) { batch in
            try await client.withTransaction(logger: logger) { connection in
                if !batch.contains(where: \.waitsForDisk) {
                    try await connection.query("SET LOCAL synchronous_commit = off", logger: logger)
                }
                try await FunctionOutput.runWrites(of: batch.map(\.output), on: connection, logger: logger)
            }
            return batch.map { _ in .success(()) }
        }
    }

    /// The chunk's route table: `cached` when an earlier chunk of the job read it, else read now.
    private func route(
        cached: RouteTable?, batch: DeliveryBatch, context: FunctionContext
    ) async -> Result<RouteTable, any Error> {
        if let cached { return .success(cached) }
        do {
            return .success(
                try await routes.load(
                    RouteTable.Key(tenantID: batch.tenantID, channel: batch.channel), context: context))
        } catch {
            return .failure(error)
        }
    }

    /// Claims, sends and records one chunk; returns its outcome (writes and follow-up jobs), how
    /// many of its deliveries were sent, and whether recording it must wait for the disk.
    private func sendChunk(
        _ batch: DeliveryBatch, route cachedRoute: inout RouteTable?, context: FunctionContext
    ) async throws -> ChunkOutcome {
        let client = context.database.client
        let logger = context.logger
        // The route is read with the claim: at once for the critical lane (see
        // `FunctionContext.both`).
        let cached = cachedRoute
        let claimRequest = PendingDeliveryLoader.Request(
            batch: batch, holder: "sending: job \(context.jobID), attempt \(context.attempt)",
            staleAfter: settings.requestTimeout * 2 + .seconds(5))
        let (claim, routeResult) = try await context.both(
            { try await claims.load(claimRequest, context: context).get() },
            { await self.route(cached: cached, batch: batch, context: context) })
        var ledger = SendLedger(batch: batch, deliveries: claim.deliveries)
        ledger.busy = claim.busy
        ledger.skippedSome =
            claim.deliveries.count + claim.undecryptable.count + claim.erased.count + claim.busy.count
            < batch.userIDs.count
        for id in claim.undecryptable {
            ledger.outcomes[id] = SendLedger.Outcome(finalReason: "contact_undecryptable")
            ledger.recipients[id] = (user: 0, attempts: 1)
        }
        // Recorded as dropped, with no channel fallback (user 0 is nobody): there is nothing to send.
        for id in claim.erased {
            ledger.outcomes[id] = SendLedger.Outcome(finalReason: DropReason.contentErased.rawValue)
            ledger.recipients[id] = (user: 0, attempts: 1)
        }
        var parts: [SendPart] = []
        for (index, delivery) in claim.deliveries.enumerated() {
            if delivery.wasInFlight {
                ledger.event(delivery.id, "unknown", ["reason": "interrupted_attempt", "policy": claim.unknownOutcome])
                if claim.unknownOutcome != "retry" {
                    ledger.outcomes[delivery.id]?.unknown = ProviderFailure(
                        kind: .unknownOutcome, code: "interrupted_attempt",
                        message: "an earlier attempt was interrupted after it may have sent the message")
                    ledger.outcomes[delivery.id]?.unknownAccount = delivery.previousAccountID
                    continue
                }
            }
            switch delivery.contact {
            case .none:
                ledger.finalise(delivery.id, reason: "no_address")
            case .devices(let devices):
                parts += devices.map { SendPart(delivery: index, device: $0) }
            default:
                parts.append(SendPart(delivery: index, device: nil))
            }
        }
        guard !parts.isEmpty else {
            return try outcome(of: ledger, claim: claim, context: context)
        }
        let route = try routeResult.get()
        cachedRoute = route
        var pending = parts
        // The earliest time a provider skipped for its circuit may be tried again, and the
        // deliveries some provider was asked to send in this attempt.
        var reopensAt: Date?
        var tried = Set<Int>()
        // Only a route with a circuit not closed can skip a provider: the usual send keeps no set.
        let mayWaitForCircuit = route.candidates.contains { $0.circuit.state != .closed }
        let builder = OutboundMessageBuilder(
            settings: settings, unsubscribeKey: unsubscribeKey, tenantID: batch.tenantID,
            categoryKey: claim.categoryKey,
            isCommercial: claim.categoryKind == "marketing", lane: context.lane)
        for candidate in RoutePlanner.order(route.candidates) where !pending.isEmpty {
            let eligible = pending.indices.filter { pending[$0].isServed(by: candidate.kind, channel: batch.channel) }
            guard !eligible.isEmpty else { continue }
            var chosen = eligible
            let now = Date()
            switch candidate.circuit.admission(now: now) {
            case .skip:
                SendMetrics.skipped(candidate.kind, reason: "circuit_open")
                let reopens = candidate.circuit.openUntil ?? candidate.circuit.probeUntil ?? now
                reopensAt = min(reopensAt ?? reopens, reopens)
                continue
            case .probe:
                guard try await breaker.takeProbe(accountID: candidate.accountID, client: client, logger: logger) else {
                    // Another process holds the probe: its answer decides the circuit shortly.
                    let decided = now.addingTimeInterval(1)
                    reopensAt = min(reopensAt ?? decided, decided)
                    continue
                }
                // One message, the account's probes taking the batch's messages in turn.
                chosen = [eligible[probeTurns.next(for: candidate.accountID, among: eligible.count)]]
            case .send:
                break
            }
            if let rate = candidate.ratePerSecond {
                let (granted, refill) = try await limiter.take(
                    accountID: candidate.accountID, wanted: chosen.count, ratePerSecond: rate,
                    burst: candidate.burst ?? max(Int(rate), 1), client: client, logger: logger)
                for index in chosen.dropFirst(granted) {
                    ledger.snooze(claim.deliveries[pending[index].delivery].id, for: max(refill, .milliseconds(50)))
                }
                if granted < chosen.count { SendMetrics.skipped(candidate.kind, reason: "rate_limit") }
                chosen = Array(chosen.prefix(granted))
                if chosen.isEmpty {
                    pending.removeAll { part in
                        ledger.outcomes[claim.deliveries[part.delivery].id]?.snoozeFor != nil
                    }
                    continue
                }
            }
            let resolved: ProviderPool.Resolved
            do {
                guard let configCipher = route.configCiphers[candidate.accountID] else { continue }
                resolved = try await pool.resolve(candidate, configCipher: configCipher, logger: logger)
            } catch {
                logger.error(
                    "provider account configuration unusable",
                    metadata: ["account": "\(candidate.accountID)", "error": "\(error)"])
                try await breaker.record(
                    accountID: candidate.accountID, successes: 0, failures: 1, configurationFailure: true,
                    lastError: "configuration_unreadable", client: client, logger: logger)
                continue
            }
            let requests: [(Int, OutboundMessage?)] = chosen.map { index in
                let part = pending[index]
                return (
                    index,
                    builder.message(
                        for: part, delivery: claim.deliveries[part.delivery], candidate: candidate, resolved: resolved)
                )
            }
            if mayWaitForCircuit { for index in chosen { tried.insert(pending[index].delivery) } }
            let answers = await dispatch(requests, provider: resolved.provider, logger: logger)
            var done = Set<Int>()
            var successes = 0
            var accepted = 0
            var failures = 0
            var configurationFailure = false
            var lastError: String?
            // Answers that may mean the account reaches the wrong environment, decided after the batch.
            var environmentSuspects: [(index: Int, failure: ProviderFailure)] = []
            for (index, outcome) in answers {
                SendMetrics.record(outcome, provider: candidate.kind)
                let part = pending[index]
                let delivery = claim.deliveries[part.delivery]
                switch outcome {
                case .accepted(let messageID):
                    successes += 1
                    accepted += 1
                    ledger.accepted(delivery.id, candidate: candidate, messageID: messageID)
                    done.insert(index)
                case .failed(let failure):
                    ledger.failed(delivery.id, candidate: candidate, failure: failure)
                    lastError = failure.code
                    if failure.mayMeanWrongEnvironment && !candidate.provenInCurrentConfiguration {
                        environmentSuspects.append((index, failure))
                        continue
                    }
                    switch failure.kind {
                    case .permanent:
                        successes += 1
                        ledger.permanent(delivery.id, failure: failure)
                        applyRecipientAction(failure, part: part, delivery: delivery, ledger: &ledger)
                        done.insert(index)
                    case .unknownOutcome:
                        failures += 1
                        ledger.unknown(delivery.id, candidate: candidate, failure: failure)
                        done.insert(index)
                    case .rateLimited:
                        ledger.snooze(delivery.id, for: failure.retryAfter ?? .seconds(1))
                        done.insert(index)
                    case .configuration:
                        failures += 1
                        configurationFailure = true
                        logger.error(
                            "provider rejected our configuration",
                            metadata: ["account": "\(candidate.accountID)", "code": "\(failure.code)"])
                    case .transient:
                        failures += 1
                        if let after = failure.retryAfter { ledger.retry(delivery.id, after: after) }
                    }
                }
            }
            if !environmentSuspects.isEmpty {
                if accepted > 0 {
                    // The account reached the right environment in this very batch: the tokens are bad.
                    for (index, failure) in environmentSuspects {
                        successes += 1
                        let part = pending[index]
                        let delivery = claim.deliveries[part.delivery]
                        ledger.permanent(delivery.id, failure: failure)
                        applyRecipientAction(failure, part: part, delivery: delivery, ledger: &ledger)
                        done.insert(index)
                    }
                } else {
                    // Until a message is accepted in this configuration, the likelier cause is
                    // the account's environment: alert and keep the devices.
                    failures += environmentSuspects.count
                    configurationFailure = true
                    lastError = environmentSuspects[0].failure.code
                    logger.error(
                        "provider refused every device token and has accepted nothing since the account last changed; check that its base_url names the environment the app's tokens belong to (development or production)",
                        metadata: [
                            "account": "\(candidate.accountID)", "code": "\(environmentSuspects[0].failure.code)",
                        ])
                }
            }
            if accepted > 0 && candidate.kind == .apns && !candidate.provenInCurrentConfiguration {
                // Only APNs has an answer that depends on it (BadDeviceToken).
                try await breaker.recordAccepted(
                    accountID: candidate.accountID, revision: candidate.revision, client: client, logger: logger)
            }
            if !candidate.circuit.unchangedBySuccessesOnly(
                successes: successes, failures: failures, configurationFailure: configurationFailure)
            {
                try await breaker.record(
                    accountID: candidate.accountID, successes: successes, failures: failures,
                    configurationFailure: configurationFailure, lastError: lastError, client: client, logger: logger)
            }
            pending = pending.indices.filter { !done.contains($0) }.map { pending[$0] }
            pending.removeAll { part in ledger.outcomes[claim.deliveries[part.delivery].id]?.snoozeFor != nil }
        }
        for part in pending {
            let id = claim.deliveries[part.delivery].id
            if route.candidates.isEmpty {
                ledger.finalise(id, reason: "no_provider")
            } else if !tried.contains(part.delivery), let reopensAt {
                // No provider was asked: every one that serves it was skipped for its circuit. The
                // retry comes no sooner than a circuit may be tried again, so the attempts are not
                // spent within one open window without a request.
                let wait = Duration.milliseconds(Int64(max(0, reopensAt.timeIntervalSinceNow) * 1000) + 100)
                ledger.retry(id, after: wait, reason: "circuit_open")
            } else {
                ledger.retry(id, after: nil)
            }
        }
        return try outcome(of: ledger, claim: claim, context: context)
    }

    /// The chunk's outcome as its ledger records it.
    private func outcome(
        of ledger: SendLedger, claim: PendingDeliveryLoader.Claim, context: FunctionContext
    ) throws -> ChunkOutcome {
        let (output, sentCount) = try ledger.output(
            unknownPolicy: claim.unknownOutcome, settings: settings, lane: context.lane, now: Date())
        return ChunkOutcome(output: output, sentCount: sentCount, waitsForDisk: claim.unknownOutcome != "retry")
    }

    /// Sends the requests with at most `settings.concurrency` in flight. A request the account cannot
    /// build (missing sender facts) fails as a configuration error without a network call.
    private func dispatch(
        _ requests: [(Int, OutboundMessage?)], provider: any MessageProvider, logger: Logger
    ) async -> [(Int, SendOutcome)] {
        let timeout = settings.requestTimeout
        let limit = settings.concurrency
        // One request (a single-recipient notification) needs no child task.
        if requests.count == 1, let (index, message) = requests.first, let message {
            return [(index, await provider.send(message, timeout: timeout, logger: logger))]
        }
        return await withTaskGroup(of: (Int, SendOutcome).self) { group in
            var answers: [(Int, SendOutcome)] = []
            answers.reserveCapacity(requests.count)
            var iterator = requests.makeIterator()
            var running = 0
            func startNext() -> Bool {
                guard let (index, message) = iterator.next() else { return false }
                group.addTask {
                    guard let message else {
                        return (
                            index,
                            .failed(
                                ProviderFailure(
                                    kind: .configuration, code: "sender_missing",
                                    message: "the provider account lacks the sender facts this channel needs"))
                        )
                    }
                    return (index, await provider.send(message, timeout: timeout, logger: logger))
                }
                return true
            }
            while running < limit, startNext() { running += 1 }
            while let answer = await group.next() {
                answers.append(answer)
                if !startNext() { running -= 1 }
            }
            return answers
        }
    }
}
