import Foundation
import Logging

/// What a function knows about the invocation it is handling.
public struct FunctionContext: Sendable {
    /// The job's id (0 for `notify invoke`, which runs without a queue).
    public let jobID: Int64
    /// This attempt's number, starting at 1.
    public let attempt: Int
    /// The attempt after which a failure is final.
    public let maxAttempts: Int
    /// When the runtime will cancel this invocation.
    public let deadline: ContinuousClock.Instant
    /// The tenant the job works for, if any.
    public let tenantID: String?
    /// The lane the job was claimed from.
    public let lane: Lane
    /// A logger already tagged with the job id, function, attempt and tenant.
    public var logger: Logger
    /// Read access to the database.
    public let database: FunctionDatabase
    /// The wall clock; injected in tests.
    public let clock: any NotifyClock
    /// What ``yieldToPriorityWork()`` waits for.
    let priorityGate: @Sendable () async -> Void

    /// Creates a context. The runtime does this for every job; tests do it to call a function directly.
    /// `priorityGate` is what ``yieldToPriorityWork()`` waits for: the runtime passes its worker's
    /// for bulk jobs; the default never waits.
    public init(
        jobID: Int64, attempt: Int, maxAttempts: Int, deadline: ContinuousClock.Instant, tenantID: String?,
        lane: Lane, logger: Logger, database: FunctionDatabase, clock: any NotifyClock,
        priorityGate: @escaping @Sendable () async -> Void = {}
    ) {
        self.priorityGate = priorityGate
        self.jobID = jobID
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.deadline = deadline
        self.tenantID = tenantID
        self.lane = lane
        self.logger = logger
        self.database = database
        self.clock = clock
    }

    /// A point at which a long job gives way to more urgent work. Call it between units of work
    /// (the send step calls it before each chunk). It returns at once, unless the job is in the bulk
    /// lane and its worker is holding bulk work back because critical work is slowing down; then
    /// it waits, for half a second at most, until the worker lets bulk work go on.
    public func yieldToPriorityWork() async { await priorityGate() }

    /// True when a failure of this attempt sends the job to the dead-letter table.
    public var isLastAttempt: Bool { attempt >= maxAttempts }
}
