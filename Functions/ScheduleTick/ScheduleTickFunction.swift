import NotifyFunctionKit

/// The scheduler's heartbeat, run by the leader only, once per tick, fenced by the leader's term.
///
/// It decides the upkeep of each tick: promote jobs scheduled for later whose time has come,
/// rescue jobs whose worker stopped renewing their lease (they run again, or go to the dead-letter
/// table after their last attempt), and prune old dead letters. The runtime carries the actions out
/// in the tick's transaction, with the writes (``StatusEventDispatch``: status-event deliveries;
/// ``StrandedSendRescue``: send jobs for deliveries whose sending attempt died with its job;
/// ``CallbackRetention``: ingested provider callbacks and receipts past their retention;
/// ``ContentErasure``: the content of notifications whose category erases it, once due;
/// ``RecordRetention``: notifications, deliveries, events and digests past their tenant's retention;
/// ``RecurringRelease``: occurrences of recurring schedules).
public struct ScheduleTickFunction: NotifyFunction {
    /// Limits per tick; every field is optional.
    public struct Input: Codable, Sendable {
        /// Scheduled jobs promoted per tick (default 10,000).
        public var promoteLimit: Int?
        /// Expired leases rescued per tick (default 10,000).
        public var rescueLimit: Int?
        /// Days dead letters are kept (default 14).
        public var deadRetentionDays: Int?

        enum CodingKeys: String, CodingKey {
            case promoteLimit = "promote_limit"
            case rescueLimit = "rescue_limit"
            case deadRetentionDays = "dead_retention_days"
        }

        /// Creates an input.
        public init(promoteLimit: Int? = nil, rescueLimit: Int? = nil, deadRetentionDays: Int? = nil) {
            self.promoteLimit = promoteLimit
            self.rescueLimit = rescueLimit
            self.deadRetentionDays = deadRetentionDays
        }
    }

    public static let name: FunctionName = "schedule-tick"
    public static let settings = FunctionSettings(maxAttempts: 1, timeout: .seconds(20), defaultLane: .critical)

    /// Creates the function.
    public init() {}

    public func handle(_ input: Input, context: FunctionContext) async throws -> FunctionOutput {
        let retentionDays = input.deadRetentionDays ?? 14
        guard retentionDays >= 1 else {
            throw FunctionError(.permanent, code: "invalid_input", "dead_retention_days must be at least 1")
        }
        let schedules = try await RecurringRelease.writes(context: context)
        return FunctionOutput(
            writes: [
                StatusEventDispatch.statement, StrandedSendRescue.statement, CallbackRetention.statement,
                ContentErasure.clearing, ContentErasure.finishing, RecordRetention.children, RecordRetention.parents,
            ]
                + schedules,
            maintenance: [
                .promoteScheduledJobs(limit: max(1, input.promoteLimit ?? 10_000)),
                .rescueExpiredLeases(limit: max(1, input.rescueLimit ?? 10_000)),
                .pruneDeadJobs(olderThanSeconds: retentionDays * 86_400, limit: 10_000),
            ])
    }
}
