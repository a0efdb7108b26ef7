/// A provider the engine can send through.
public enum ProviderKind: String, Codable, Sendable, CaseIterable, Hashable {
    case smtp
    case sendgrid
    case twilio
    case vonage
    case fcm
    case apns
    case webhook

    /// The channel this provider serves.
    public var channel: String {
        switch self {
        case .smtp, .sendgrid: return "email"
        case .twilio, .vonage: return "sms"
        case .fcm, .apns: return "push"
        case .webhook: return "webhook"
        }
    }
}
