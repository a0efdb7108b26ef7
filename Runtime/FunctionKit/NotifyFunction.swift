import Logging

/// A function of the notification engine: one isolated step (validate, render, send-sms, …).
///
/// A function receives a typed `Codable` input and returns what should happen next. It never
/// commits anything itself: the runtime commits the returned ``FunctionOutput`` together with the
/// completion of the job, in one short transaction fenced by the job's lease. A step that runs twice
/// therefore never produces its successors twice, and no transaction stays open while a function
/// waits on a provider.
///
/// Functions are plain values, testable without the runtime: build a ``FunctionContext`` and call
/// ``handle(_:context:)``.
public protocol NotifyFunction: Sendable {
    /// The input, decoded from the job's JSON payload.
    associatedtype Input: Decodable & Sendable

    /// The name producers use to enqueue work for this function, such as `send-sms`.
    static var name: FunctionName { get }

    /// Retry, timeout and lane settings. Defaults to ``FunctionSettings/default``.
    static var settings: FunctionSettings { get }

    /// Handles one input.
    ///
    /// Throw a ``FunctionError`` (or any ``ClassifiedError``) to say whether a failure is transient,
    /// rate-limited or permanent; any other error is treated as transient.
    func handle(_ input: Input, context: FunctionContext) async throws -> FunctionOutput
}

extension NotifyFunction {
    /// The default settings: see ``FunctionSettings/default``.
    public static var settings: FunctionSettings { .default }
}
