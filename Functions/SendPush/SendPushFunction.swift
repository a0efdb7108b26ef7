import NotifyDelivery
import NotifyFunctionKit
import NotifyModel

/// `send-push`: sends rendered push deliveries through the tenant's push route (see ChannelSendFunction).
public struct SendPushFunction: ChannelSendFunction {
    public typealias Input = DeliveryBatch

    public static let name: FunctionName = "send-push"
    public static let channel: NotifyModel.Channel = .push

    public let engine: SendEngine?

    /// Creates the function on the process's shared send engine (nil without the keys).
    public init(engine: SendEngine?) {
        self.engine = engine
    }
}
