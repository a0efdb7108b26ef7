import Foundation
import Logging
import NotifyFunctionKit

extension Worker {
    /// The most functions one job runs inside itself: a guard against inlinable functions that
    /// enqueue one another in a cycle.
    static let maximumInlinedPerJob = 4

    /// Runs, inside `job`, the successors in `output` that this worker runs and that may be inlined
    /// (see ``NotifyFunctionKit/InlinePolicy``), and returns `output` with their outputs appended in
    /// place of their job requests, and ``NotifyFunctionKit/CompletionCommit/durable`` if any
    /// successor it ran needs its completion to wait for the disk. A successor that fails keeps its
    /// request: it is enqueued and runs as its own job, with its own attempts.
    func runInlinedSuccessors(
        of output: consuming FunctionOutput, job: ClaimedJob, context: FunctionContext
    ) async -> (output: FunctionOutput, commit: CompletionCommit) {
        guard configuration.inlineSuccessors, !output.next.isEmpty else { return (output, .asynchronous) }
        var commit = CompletionCommit.asynchronous
        // Taken over, not copied: its arrays stay uniquely held, so removing a request copies none.
        var result = consume output
        var index = 0
        var inlined = 0
        while index < result.next.count && inlined < Self.maximumInlinedPerJob && !Task.isCancelled {
            let request = result.next[index]
            let predecessorWrote = !result.writes.isEmpty || !result.maintenance.isEmpty
            guard let entry = inlinable(request, lane: job.lane, predecessorWrote: predecessorWrote) else {
                index += 1
                continue
            }
            let started = ContinuousClock.now
            var logger = context.logger
            var metadata = logger.handler.metadata
            metadata.reserveCapacity(metadata.count + 2)
            metadata[LogKeys.function] = .string(entry.name.rawValue)
            metadata[LogKeys.inlinedIn] = .string(job.queue)
            logger.handler.metadata = metadata
            let successorContext = FunctionContext(
                jobID: job.id, attempt: 1, maxAttempts: entry.settings.maxAttempts, deadline: context.deadline,
                tenantID: request.tenantID ?? job.tenantID, lane: job.lane, logger: logger,
                database: context.database, clock: context.clock, priorityGate: priorityGate(for: job.lane))
            do {
                let successor = try await entry.invoke(request.body, successorContext)
                let functionMetrics = metrics.function(entry.name.rawValue)
                functionMetrics.runDuration.record(since: started)
                guard successor.maintenance.isEmpty else {
                    index += 1
                    continue
                }
                result.next.remove(at: index)
                result.append(inlined: successor)
                if entry.settings.completion == .durable { commit = .durable }
                inlined += 1
                functionMetrics.inlined.increment()
            } catch {
                logger.debug(
                    "inlined function failed; it will run as its own job",
                    metadata: [LogKeys.errorCode: "\(error.notifyErrorCode)"])
                index += 1
            }
        }
        return (result, commit)
    }

    /// The catalog entry of `request`'s function when this worker may run it inside a job of
    /// `lane` whose output so far has writes (`predecessorWrote`) or not; a request whose input
    /// covers those writes counts as one that comes after none.
    private func inlinable(_ request: JobRequest, lane: Lane, predecessorWrote: Bool) -> FunctionCatalog.Entry? {
        guard request.runAt == nil, let entry = catalog.entry(request.function),
            (request.lane ?? entry.settings.defaultLane) == lane
        else { return nil }
        switch entry.settings.inlining {
        case .never: return nil
        case .always: return entry
        case .whenPredecessorWroteNothing:
            return predecessorWrote && !request.inputCoversPendingWrites ? nil : entry
        }
    }
}
