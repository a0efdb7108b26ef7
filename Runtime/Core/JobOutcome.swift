import NotifyFunctionKit

/// What happened to a claimed job, to be written by the ``CompletionBatcher``.
enum JobOutcome: Sendable {
    /// Done: delete the job and commit the output, waiting for the disk or not (see
    /// ``NotifyFunctionKit/CompletionCommit``).
    case succeeded(FunctionOutput, commit: CompletionCommit)
    /// Try again after `delay`; `refundAttempt` for rate-limit snoozes. `error` is a JSON object.
    case retry(delay: Duration, refundAttempt: Bool, error: String?)
    /// Out of attempts or permanent: move to the dead-letter table.
    case dead(error: String)
    /// Not run to the end (shutdown): make it claimable at once, attempt refunded.
    case released
}

/// An outcome with the job it belongs to.
struct JobCompletion: Sendable {
    let job: ClaimedJob
    let outcome: JobOutcome
}
