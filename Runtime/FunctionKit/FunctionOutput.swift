import PostgresNIO

/// What a function asks the runtime to commit when its job completes.
///
/// Everything here is written in the same transaction that deletes the finished job, and only if
/// the job's lease (its fencing token) still holds: a function whose lease was taken over by
/// another worker has its output discarded.
public struct FunctionOutput: Sendable {
    /// Jobs to enqueue next.
    public var next: [JobRequest]
    /// State to record: statements run in the completion transaction.
    ///
    /// A write added with ``appendMergeable(_:)`` holds its place here as its statement alone: its
    /// rows are bound only when it runs on its own, since most run merged with other jobs' rows.
    /// To run an output's writes yourself, run ``runnableWrites`` (or ``runnableWrite(at:)``).
    public var writes: [PostgresQuery]
    /// Runtime upkeep (only honoured for `schedule-tick` run by the leader).
    public var maintenance: [MaintenanceAction]
    /// The writes among ``writes`` that may run merged with other jobs' (see ``MergeableWrite``),
    /// by their index in ``writes``. Kept by ``appendMergeable(_:)``.
    public private(set) var mergeable: [Int: MergeableWrite] = [:]
    /// A JSON summary of what happened, printed by `notify invoke`. No personal data.
    public var summary: String?

    /// Creates an output.
    public init(
        next: [JobRequest] = [], writes: [PostgresQuery] = [], maintenance: [MaintenanceAction] = [],
        summary: String? = nil
    ) {
        self.next = next
        self.writes = writes
        self.maintenance = maintenance
        self.summary = summary
    }

    /// Appends a write that the runtime may run as one statement with the same write of other
    /// jobs it completes in the same transaction. It still runs in its place among this job's
    /// ``writes``: the n-th writes of the jobs in one transaction run together, after their
    /// (n-1)-th.
    public mutating func appendMergeable(_ write: MergeableWrite) {
        // A job's output usually holds a few of these: room for them at once.
        if mergeable.isEmpty { mergeable.reserveCapacity(Self.typicalWrites) }
        if writes.capacity < Self.typicalWrites { writes.reserveCapacity(Self.typicalWrites) }
        mergeable[writes.count] = write
        writes.append(PostgresQuery(unsafeSQL: write.sql))
    }

    /// The write at `index` of ``writes`` as it runs on its own: a mergeable write with its rows
    /// bound, any other as it is.
    public func runnableWrite(at index: Int) -> PostgresQuery {
        mergeableWrite(at: index)?.query ?? writes[index]
    }

    /// Every write as it runs on its own, in order (see ``runnableWrite(at:)``).
    public var runnableWrites: [PostgresQuery] { writes.indices.map(runnableWrite(at:)) }

    /// The mergeable form of the write at `index` of ``writes``, if it has one and ``writes`` still
    /// holds it there.
    public func mergeableWrite(at index: Int) -> MergeableWrite? {
        guard let write = mergeable[index], index < writes.count, writes[index].sql == write.sql else { return nil }
        return write
    }

    /// Appends the output of a function that ran inside this output's job (see ``InlinePolicy``):
    /// its writes run after this output's, in order (the mergeable ones still merge), and its next
    /// jobs are enqueued with this output's. Its maintenance and summary are not taken.
    public mutating func append(inlined successor: FunctionOutput) {
        let offset = writes.count
        if !successor.mergeable.isEmpty { mergeable.reserveCapacity(mergeable.count + successor.mergeable.count) }
        for (index, write) in successor.mergeable { mergeable[offset + index] = write }
        writes.reserveCapacity(writes.count + successor.writes.count)
        writes += successor.writes
        next += successor.next
    }

    /// Nothing to do next.
    public static var none: FunctionOutput { FunctionOutput() }

    /// The writes room is made for when the first mergeable write is appended.
    static let typicalWrites = 8

    /// True when committing this output is only deleting the job.
    public var isEmpty: Bool { next.isEmpty && writes.isEmpty && maintenance.isEmpty }
}
