import NotifyDelivery
import NotifyFunctionKit
import NotifyModel

/// `send-sms`: sends rendered sms deliveries through the tenant's sms route (see ChannelSendFunction).
public struct SendSMSFunction: ChannelSendFunction {
    public typealias Input = DeliveryBatch

    public static let name: FunctionName = "send-sms"
    public static let channel: NotifyModel.Channel = .sms

    public let engine: SendEngine?

    /// Creates the function on the process's shared send engine (nil without the keys).
    public init(engine: SendEngine?) {
        self.engine = engine
    }
}
