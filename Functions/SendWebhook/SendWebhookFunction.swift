import NotifyDelivery
import NotifyFunctionKit
import NotifyModel

/// `send-webhook`: sends rendered webhook deliveries through the tenant's webhook route (see ChannelSendFunction).
public struct SendWebhookFunction: ChannelSendFunction {
    public typealias Input = DeliveryBatch

    public static let name: FunctionName = "send-webhook"
    public static let channel: NotifyModel.Channel = .webhook

    public let engine: SendEngine?

    /// Creates the function on the process's shared send engine (nil without the keys).
    public init(engine: SendEngine?) {
        self.engine = engine
    }
}
