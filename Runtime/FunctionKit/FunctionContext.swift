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

    /// Creates a context. The runtime does this for every job; tests do it to call a function directly.
    public init(
        jobID: Int64, attempt: Int, maxAttempts: Int, deadline: ContinuousClock.Instant, tenantID: String?,
        lane: Lane, logger: Logger, database: FunctionDatabase, clock: any NotifyClock
    ) {
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

    /// True when a failure of this attempt sends the job to the dead-letter table.
    public var isLastAttempt: Bool { attempt >= maxAttempts }
}
