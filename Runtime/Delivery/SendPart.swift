import NotifyModel
import NotifyProviders

/// One provider request of a delivery: a delivery has one part, except push, which has one per
/// valid device of the user.
struct SendPart: Sendable {
    /// Index into the claim's deliveries.
    var delivery: Int
    /// The device, for push.
    var device: PendingDelivery.PushDevice?

    /// Whether a provider of `kind` can carry this part.
    func isServed(by kind: ProviderKind, channel: NotifyModel.Channel) -> Bool {
        switch channel {
        case .email: return kind == .smtp || kind == .sendgrid
        case .sms: return kind == .twilio || kind == .vonage
        case .webhook: return kind == .webhook
        case .push:
            guard let device else { return false }
            return device.platform == .ios ? kind == .apns : kind == .fcm
        case .inapp: return false
        }
    }
}
