import NotifyDelivery
import NotifyFunctionKit
import NotifyModel

/// `send-email`: sends rendered email deliveries through the tenant's email route (see ChannelSendFunction).
public struct SendEmailFunction: ChannelSendFunction {
    public typealias Input = DeliveryBatch

    public static let name: FunctionName = "send-email"
    public static let channel: NotifyModel.Channel = .email

    public let engine: SendEngine?

    /// Creates the function on the process's shared send engine (nil without the keys).
    public init(engine: SendEngine?) {
        self.engine = engine
    }
}
