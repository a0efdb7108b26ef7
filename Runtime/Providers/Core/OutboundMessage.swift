import Foundation

/// A message ready for a provider: rendered content plus the decrypted contact point.
///
/// `deliveryID` is the engine's delivery id. Clients pass it to the provider where the provider
/// can carry it (SendGrid `custom_args`, a status-callback URL, an SMTP `Message-ID`, an APNs
/// `apns-id`), so callbacks can be matched and the provider's idempotency features used.
public enum OutboundMessage: Sendable, Hashable {
    case email(EmailMessage)
    case sms(SMSMessage)
    case push(PushMessage)
    case webhook(WebhookMessage)

    /// The engine's delivery id.
    public var deliveryID: String {
        switch self {
        case .email(let message): return message.deliveryID
        case .sms(let message): return message.deliveryID
        case .push(let message): return message.deliveryID
        case .webhook(let message): return message.deliveryID
        }
    }
}

/// An email address with an optional display name.
public struct EmailAddress: Sendable, Hashable, Codable {
    /// The address, such as `ada@example.com`.
    public var address: String
    /// The display name, such as `Ada Lovelace`.
    public var name: String?

    public init(_ address: String, name: String? = nil) {
        self.address = address
        self.name = name
    }
}

/// An extra email header, such as `List-Unsubscribe`.
public struct EmailHeader: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// One email to one recipient. At least one of `html` and `text` is present.
public struct EmailMessage: Sendable, Hashable {
    public var deliveryID: String
    public var from: EmailAddress
    public var to: EmailAddress
    public var replyTo: EmailAddress?
    public var subject: String
    public var html: String?
    public var text: String?
    /// Extra headers; commercial email carries `List-Unsubscribe` and `List-Unsubscribe-Post`.
    public var headers: [EmailHeader]

    public init(
        deliveryID: String, from: EmailAddress, to: EmailAddress, replyTo: EmailAddress? = nil,
        subject: String, html: String?, text: String?, headers: [EmailHeader] = []
    ) {
        self.deliveryID = deliveryID
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.html = html
        self.text = text
        self.headers = headers
    }
}

/// One SMS to one E.164 number.
public struct SMSMessage: Sendable, Hashable {
    public var deliveryID: String
    /// The sender: an E.164 number, a short code or an alphanumeric sender id.
    public var from: String
    /// The recipient in E.164, such as `+14155550100`.
    public var to: String
    public var text: String
    /// Where the provider should post status callbacks for this message, if anywhere.
    public var statusCallbackURL: String?

    public init(deliveryID: String, from: String, to: String, text: String, statusCallbackURL: String? = nil) {
        self.deliveryID = deliveryID
        self.from = from
        self.to = to
        self.text = text
        self.statusCallbackURL = statusCallbackURL
    }
}

/// The platform a push device token belongs to.
public enum PushPlatform: String, Codable, Sendable, Hashable, CaseIterable {
    case ios
    case android
    case web
}

/// How urgently a push should be delivered.
public enum PushPriority: String, Codable, Sendable, Hashable {
    /// Deliver now, waking the device (APNs 10, FCM HIGH).
    case high
    /// Deliver when convenient for the device's power (APNs 5, FCM NORMAL).
    case normal
}

/// One push notification to one device.
public struct PushMessage: Sendable, Hashable {
    public var deliveryID: String
    public var platform: PushPlatform
    /// The device token (APNs hex token or FCM registration token).
    public var token: String
    public var title: String?
    public var body: String?
    public var data: [String: String]
    /// Notifications with the same collapse id replace each other on the device.
    public var collapseID: String?
    public var priority: PushPriority
    /// After this instant the provider should drop the message instead of delivering it late.
    public var expiration: Date?

    public init(
        deliveryID: String, platform: PushPlatform, token: String, title: String?, body: String?,
        data: [String: String] = [:], collapseID: String? = nil, priority: PushPriority = .high,
        expiration: Date? = nil
    ) {
        self.deliveryID = deliveryID
        self.platform = platform
        self.token = token
        self.title = title
        self.body = body
        self.data = data
        self.collapseID = collapseID
        self.priority = priority
        self.expiration = expiration
    }
}

/// One outbound webhook request to a tenant's endpoint, signed the Standard Webhooks way.
public struct WebhookMessage: Sendable, Hashable {
    public var deliveryID: String
    /// The endpoint, normally `https://…`.
    public var url: String
    /// The JSON body, sent as is and covered by the signature.
    public var body: String
    /// The endpoint's signing secret, `whsec_` followed by base64.
    public var signingSecret: String

    public init(deliveryID: String, url: String, body: String, signingSecret: String) {
        self.deliveryID = deliveryID
        self.url = url
        self.body = body
        self.signingSecret = signingSecret
    }
}
