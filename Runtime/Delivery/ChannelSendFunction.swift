import NotifyFunctionKit
import NotifyModel

/// A `send-<channel>` function: sends batches of rendered deliveries of one channel through the
/// tenant's route for it — provider order and weights, a circuit breaker and a send-rate limit
/// shared by all processes, failover to the next provider, and classified provider answers (see
/// ``SendEngine``). Conforming types only name themselves and their channel.
public protocol ChannelSendFunction: NotifyFunction where Input == DeliveryBatch {
    /// The channel this function sends.
    static var channel: NotifyModel.Channel { get }
    /// The process's send engine; nil in a process started without the contact-point keys, where
    /// every job fails transiently with a sentence naming the missing configuration, so that a
    /// correctly configured worker can take it.
    var engine: SendEngine? { get }
}

extension ChannelSendFunction {
    /// Five attempts of a whole batch (each delivery has its own attempts), two minutes each. The
    /// completion only deletes the job, so it does not wait for the disk: every chunk's outcome
    /// was committed by a transaction of its own before it, and a job whose deletion a crash of
    /// the database server loses runs again over deliveries whose outcomes are recorded.
    public static var settings: FunctionSettings {
        FunctionSettings(maxAttempts: 5, timeout: .seconds(120), completion: .asynchronous)
    }

    /// Sends the batch; a batch of another channel is a permanent error.
    public func handle(_ batch: DeliveryBatch, context: FunctionContext) async throws -> FunctionOutput {
        guard batch.channel == Self.channel else {
            throw FunctionError(
                .permanent, code: "wrong_channel", "\(Self.name) received a \(batch.channel.rawValue) batch")
        }
        guard let engine else { throw SendEngine.unconfigured }
        return try await engine.send(batch, context: context)
    }
}
