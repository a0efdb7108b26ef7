import NotifyFunctionKit

/// Does nothing and succeeds: the function the runtime benchmark drains, and a cheap way to check
/// that a worker is claiming (`notify invoke noop --input '{}'`).
public struct NoopFunction: NotifyFunction {
    /// Any JSON object; ignored.
    public struct Input: Codable, Sendable {}

    public static let name: FunctionName = "noop"

    /// Creates the function.
    public init() {}

    public func handle(_ input: Input, context: FunctionContext) async throws -> FunctionOutput { .none }
}
