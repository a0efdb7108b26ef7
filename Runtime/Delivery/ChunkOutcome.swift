import NotifyFunctionKit

/// What one chunk of a send job records once its provider requests have been answered: the
/// deliveries' outcomes and follow-up jobs, and whether that commit must wait for the disk.
struct ChunkOutcome: Sendable {
    /// The writes (and follow-up jobs) recording the chunk.
    var output: FunctionOutput
    /// How many of the chunk's deliveries were sent (or, for webhooks, delivered).
    var sentCount: Int
    /// False when the chunk's category sends again after an unknown outcome
    /// (`unknown_outcome: retry`, as one-time passcodes): should a crash of the database server
    /// lose this record, the delivery is found `sending` (or, with its claim lost too, still
    /// ready), which is an unknown outcome, and sent again, as that policy allows. A `give_up`
    /// category's record waits for the disk, so that a message sent is never taken for one whose
    /// fate is unknown.
    var waitsForDisk: Bool
}
