import Foundation

/// A request to run a function: what producers enqueue and what functions return as next steps.
public struct JobRequest: Sendable, Hashable {
    /// The function (and queue) that will run the job.
    public var function: FunctionName
    /// The function's input as JSON text.
    public var payload: String
    /// The lane; `nil` uses the function's default lane.
    public var lane: Lane?
    /// The earliest time the job may run; `nil` means now.
    public var runAt: Date?
    /// The tenant the job works for, when it works for one (used in logs and metrics).
    public var tenantID: String?

    /// Creates a request from a JSON text payload.
    public init(function: FunctionName, payload: String, lane: Lane? = nil, runAt: Date? = nil, tenantID: String? = nil)
    {
        self.function = function
        self.payload = payload
        self.lane = lane
        self.runAt = runAt
        self.tenantID = tenantID
    }

    /// Creates a request by encoding a typed input as JSON.
    public init<Input: Encodable>(
        function: FunctionName, input: Input, lane: Lane? = nil, runAt: Date? = nil, tenantID: String? = nil
    ) throws {
        let data = try JobRequest.encoder.encode(input)
        self.init(
            function: function, payload: String(decoding: data, as: UTF8.self), lane: lane, runAt: runAt,
            tenantID: tenantID)
    }

    /// Creates a request for a typed function.
    public init<F: NotifyFunction>(
        _ function: F.Type, input: F.Input, lane: Lane? = nil, runAt: Date? = nil, tenantID: String? = nil
    ) throws where F.Input: Encodable {
        try self.init(function: F.name, input: input, lane: lane, runAt: runAt, tenantID: tenantID)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}
