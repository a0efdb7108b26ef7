/// Whether a worker that runs a function's predecessor may run the function inside the
/// predecessor's job, instead of enqueueing a job for it.
///
/// An inlined function runs right after its predecessor, in the same task, and its output (writes
/// and next jobs) is committed with the predecessor's, in the one completion transaction fenced by
/// the predecessor's lease. It costs no job row, no claim and no completion of its own. If the
/// inlined invocation fails, its output is discarded and the job it would have been is enqueued
/// as usual, so it runs with its own attempts and retries: inlining never changes an outcome, only
/// how many transactions reach it.
///
/// A function qualifies only when its reads cannot depend on what its predecessor writes: those
/// writes are not committed yet while it runs.
public enum InlinePolicy: Sendable, Hashable {
    /// Always runs as its own job (the default).
    case never
    /// Reads nothing its predecessor writes (it only returns writes, which run after the
    /// predecessor's in the same transaction): may always run inside its predecessor's job.
    case always
    /// Reads only committed state: may run inside its predecessor's job when the predecessor's
    /// output has no writes (its only effect is to enqueue this function), or when the request
    /// says its input covers those writes (``JobRequest/inputCoversPendingWrites``).
    case whenPredecessorWroteNothing
}
