import Foundation

/// A request to run a function: what producers enqueue and what functions return as next steps.
public struct JobRequest: Sendable, Hashable {
    /// The function (and queue) that will run the job.
    public var function: FunctionName
    /// The function's input: JSON text, or a typed value encoded when its job row is written.
    public var body: JobPayload
    /// The function's input as JSON text.
    /// - Throws: the encoder's error when the request was made from an input that JSON cannot hold.
    public var payload: String { get throws { try body.json() } }
    /// The lane; `nil` uses the function's default lane.
    public var lane: Lane?
    /// The earliest time the job may run; `nil` means now.
    public var runAt: Date?
    /// The tenant the job works for, when it works for one (used in logs and metrics).
    public var tenantID: String?
    /// Whether the input says everything the requesting function's own writes change that this
    /// function reads: for example, that the deliveries it names are created by those writes and
    /// are therefore new and pending. A worker may then run a function whose settings are
    /// ``InlinePolicy/whenPredecessorWroteNothing`` inside the requesting job even though that job
    /// wrote (see ``InlinePolicy``). It is never stored: a request that becomes a job row runs after
    /// those writes commit, and reads them.
    public var inputCoversPendingWrites = false

    /// Creates a request from a JSON text payload.
    public init(function: FunctionName, payload: String, lane: Lane? = nil, runAt: Date? = nil, tenantID: String? = nil)
    {
        self.init(function: function, body: JobPayload(json: payload), lane: lane, runAt: runAt, tenantID: tenantID)
    }

    /// Creates a request from a payload.
    public init(
        function: FunctionName, body: JobPayload, lane: Lane? = nil, runAt: Date? = nil, tenantID: String? = nil
    ) {
        self.function = function
        self.body = body
        self.lane = lane
        self.runAt = runAt
        self.tenantID = tenantID
    }

    /// Creates a request from a typed input, encoded as JSON only when its job row is written: a
    /// worker that runs the function in this process takes the value as it is (see ``JobPayload``).
    ///
    /// Declared `throws` for the callers written when it encoded at once; an input that JSON cannot
    /// hold now fails where the payload is written (the job that returned the request, or the
    /// producer's enqueue).
    public init<Input: Encodable & Sendable>(
        function: FunctionName, input: Input, lane: Lane? = nil, runAt: Date? = nil, tenantID: String? = nil
    ) throws {
        self.init(function: function, body: JobPayload(encoding: input), lane: lane, runAt: runAt, tenantID: tenantID)
    }

    /// Creates a request for a typed function.
    public init<F: NotifyFunction>(
        _ function: F.Type, input: F.Input, lane: Lane? = nil, runAt: Date? = nil, tenantID: String? = nil
    ) throws where F.Input: Encodable {
        self.init(function: F.name, body: JobPayload(encoding: input), lane: lane, runAt: runAt, tenantID: tenantID)
    }
}
