import NotifyDelivery
import NotifyFunctionKit
import NotifyModel

/// `send-push`: sends a batch of rendered push deliveries through the tenant's push route — provider
/// order and weights, a circuit breaker and a send-rate limit shared by all processes, failover to
/// the next provider, and classified provider answers (see SendEngine).
public struct SendPushFunction: NotifyFunction {
    public typealias Input = DeliveryBatch

    public static let name: FunctionName = "send-push"
    public static let settings = FunctionSettings(maxAttempts: 5, timeout: .seconds(120))

    private let engine: SendEngine?

    /// Creates the function on the process's shared send engine. Without one (a process started
    /// without the contact-point keys) every job fails transiently with a sentence naming the
    /// missing configuration, so a correctly configured worker can take it.
    public init(engine: SendEngine?) {
        self.engine = engine
    }

    public func handle(_ batch: DeliveryBatch, context: FunctionContext) async throws -> FunctionOutput {
        guard batch.channel == .push else {
            throw FunctionError(
                .permanent, code: "wrong_channel", "send-push received a \(batch.channel.rawValue) batch")
        }
        guard let engine else { throw SendEngine.unconfigured }
        return try await engine.send(batch, context: context)
    }
}
