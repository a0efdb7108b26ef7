import Foundation
import Logging
import NotifyFunctionKit

extension Worker {
    /// Runs one claimed job and hands its outcome to the batcher.
    func run(_ job: ClaimedJob) async {
        withUnsafeCurrentTask { task in inFlight.attach(job, task: task) }
        let outcome = await invoke(job)
        (job.lane == .critical ? criticalBatcher : batcher).submit(JobCompletion(job: job, outcome: outcome))
    }

    private func invoke(_ job: ClaimedJob) async -> JobOutcome {
        let functionMetrics = metrics.function(job.queue)
        guard let entry = catalog.entry(named: job.queue) else {
            _ = inFlight.detach(job)
            return .dead(
                error: Self.errorJSON(
                    job, code: "unknown_function", message: "this worker has no function \(job.queue)",
                    kind: "permanent", workerID: configuration.workerID))
        }
        var logger = self.logger
        // Values render only if something is logged, and the metadata is set once: a handler may
        // re-render all of it on every change (swift-log's StreamLogHandler does).
        var metadata = logger.handler.metadata
        // Copied once with room for the four keys, instead of copied and then grown twice.
        metadata.reserveCapacity(metadata.count + 4)
        metadata[LogKeys.jobID] = .stringConvertible(job.id)
        metadata[LogKeys.function] = .string(job.queue)
        metadata[LogKeys.attempt] = .stringConvertible(job.attempt)
        if let tenant = job.tenantID { metadata[LogKeys.tenantID] = .string(tenant) }
        logger.handler.metadata = metadata
        let started = ContinuousClock.now
        let context = FunctionContext(
            jobID: job.id, attempt: job.attempt, maxAttempts: job.maxAttempts,
            deadline: started + entry.settings.timeout, tenantID: job.tenantID, lane: job.lane, logger: logger,
            database: FunctionDatabase(client: job.lane == .critical ? criticalClient : client),
            clock: configuration.clock,
            priorityGate: priorityGate(for: job.lane))
        do {
            let own = try await entry.invoke(job.payload, context)
            let (output, inlinedCommit) = await runInlinedSuccessors(of: own, job: job, context: context)
            try Self.encodePayloads(of: output)
            let commit = completionCommit(entry.settings.completion, inlinedCommit)
            let timedOut = inFlight.detach(job)
            functionMetrics.runDuration.record(since: started)
            if timedOut && Task.isCancelled {
                return failure(job, entry: entry, error: Self.timeoutError(entry), logger: logger)
            }
            return .succeeded(output, commit: commit)
        } catch {
            let timedOut = inFlight.detach(job)
            functionMetrics.runDuration.record(since: started)
            if timedOut {
                return failure(job, entry: entry, error: Self.timeoutError(entry), logger: logger)
            }
            if Task.isCancelled && isDraining {
                logger.info("job interrupted by shutdown; releasing it")
                return .released
            }
            return failure(job, entry: entry, error: error, logger: logger)
        }
    }

    /// Encodes the inputs of the jobs `output` asks for (the ones not run inline), so that an input
    /// JSON cannot hold fails this job, permanently (it would fail the same way again), rather than
    /// its completion.
    static func encodePayloads(of output: FunctionOutput) throws {
        for request in output.next {
            do {
                _ = try request.payload
            } catch {
                let path = (error as? EncodingError).map(Self.codingPath) ?? ""
                throw FunctionError(
                    .permanent, code: "invalid_output",
                    "the input of the next step, \(request.function), cannot be encoded as JSON\(path): "
                        + "give it only values JSON can hold (finite numbers, for example)")
            }
        }
    }

    private static func codingPath(_ error: EncodingError) -> String {
        guard case .invalidValue(_, let context) = error, !context.codingPath.isEmpty else { return "" }
        return " (at " + context.codingPath.map(\.stringValue).joined(separator: ".") + ")"
    }

    /// How a completion commits: without waiting for the disk only when this worker allows it
    /// (``WorkerConfiguration/asynchronousCompletions``) and the job and every successor it ran
    /// inline allow it.
    func completionCommit(_ own: CompletionCommit, _ inlined: CompletionCommit) -> CompletionCommit {
        configuration.asynchronousCompletions && own == .asynchronous && inlined == .asynchronous
            ? .asynchronous : .durable
    }

    /// What a job's ``NotifyFunctionKit/FunctionContext/yieldToPriorityWork()`` waits for: bulk
    /// jobs wait while the ``BulkGovernor`` pauses bulk work; the others never wait.
    func priorityGate(for lane: Lane) -> @Sendable () async -> Void {
        guard lane == .bulk else { return {} }
        let governor = self.governor
        return { await governor.waitWhilePaused() }
    }

    private func failure(
        _ job: ClaimedJob, entry: FunctionCatalog.Entry, error: any Error, logger: Logger
    ) -> JobOutcome {
        let functionMetrics = metrics.function(job.queue)
        let code = error.notifyErrorCode
        let message = Self.message(of: error)
        switch error.notifyFailureKind {
        case .permanent:
            functionMetrics.failed.increment()
            logger.warning("job failed permanently", metadata: [LogKeys.errorCode: "\(code)"])
            return .dead(
                error: Self.errorJSON(
                    job, code: code, message: message, kind: "permanent", workerID: configuration.workerID))
        case .rateLimited(let retryAfter):
            logger.debug("job rate-limited; snoozing", metadata: [LogKeys.errorCode: "\(code)"])
            return .retry(delay: retryAfter, refundAttempt: true, error: nil)
        case .transient(let retryAfter):
            let json = Self.errorJSON(
                job, code: code, message: message, kind: "transient", workerID: configuration.workerID)
            if job.attempt >= job.maxAttempts {
                functionMetrics.failed.increment()
                logger.warning("job failed on its last attempt", metadata: [LogKeys.errorCode: "\(code)"])
                return .dead(error: json)
            }
            let delay = entry.settings.retry.delay(afterAttempt: job.attempt, retryAfter: retryAfter)
            logger.info(
                "job failed; will retry",
                metadata: [LogKeys.errorCode: "\(code)", "retry_in_ms": "\(RetryPolicy.milliseconds(delay))"])
            return .retry(delay: delay, refundAttempt: false, error: json)
        }
    }

    static func timeoutError(_ entry: FunctionCatalog.Entry) -> FunctionError {
        FunctionError(
            .transient, code: "timeout", "\(entry.name) ran longer than its time limit of \(entry.settings.timeout)")
    }

    static func message(of error: any Error) -> String {
        let text: String
        if let error = error as? FunctionError {
            text = error.message
        } else if let error = error as? RuntimeError {
            text = error.message
        } else {
            // Kept with the job and shown by `notify dead list`: without a database error's row.
            text = LogSafeError.message(error)
        }
        return String(text.prefix(500))
    }

    static func errorJSON(_ job: ClaimedJob, code: String, message: String, kind: String, workerID: String) -> String {
        let object: [String: Any] = [
            "attempt": job.attempt, "code": code, "message": message, "kind": kind,
            "at": ISO8601DateFormatter().string(from: Date()), "worker": workerID,
        ]
        let data = (try? SortedJSON.data(object, escapingSlashes: true)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
