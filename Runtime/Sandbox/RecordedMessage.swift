import Foundation
import NotifyProviders

/// One request a simulated provider received, as the control API lists it.
public struct RecordedMessage: Codable, Sendable, Hashable {
    /// Increases by one per recorded request, from 1.
    public var sequence: Int
    /// The simulated provider that received it.
    public var provider: ProviderKind
    /// The id the sandbox gave the message (`SM…`, X-Message-Id, apns-id, …), when accepted.
    public var providerMessageID: String?
    /// The engine's delivery id, where the protocol carries it (see `DeliveryIDConvention`).
    public var deliveryID: String?
    /// Phone number, email address(es), device token or webhook name.
    public var recipient: String?
    /// The sender: phone number, sender id or email address.
    public var sender: String?
    /// Email subject or push title.
    public var subject: String?
    /// SMS text, email text (or HTML), push body or webhook body.
    public var body: String?
    /// When the answer was given.
    public var receivedAt: Date
    /// `accepted`, or the code of the answer given, such as `twilio_21211` or `fault_rate_limited`.
    public var status: String
    /// The HTTP status answered (0 when the connection was dropped).
    public var httpStatus: Int
    /// The request headers, kept for outbound webhooks only.
    public var headers: [String: String]?

    /// Creates a record; `sequence` and `receivedAt` are set by the recorder.
    public init(
        provider: ProviderKind, providerMessageID: String? = nil, deliveryID: String? = nil, recipient: String? = nil,
        sender: String? = nil, subject: String? = nil, body: String? = nil, status: String = "accepted",
        httpStatus: Int = 200, headers: [String: String]? = nil
    ) {
        self.sequence = 0
        self.provider = provider
        self.providerMessageID = providerMessageID
        self.deliveryID = deliveryID
        self.recipient = recipient
        self.sender = sender
        self.subject = subject
        self.body = body
        self.receivedAt = Date()
        self.status = status
        self.httpStatus = httpStatus
        self.headers = headers
    }

    /// Whether the provider accepted it.
    public var isAccepted: Bool { status == "accepted" }

    enum CodingKeys: String, CodingKey {
        case sequence, provider, recipient, sender, subject, body, status, headers
        case providerMessageID = "provider_message_id"
        case deliveryID = "delivery_id"
        case receivedAt = "received_at"
        case httpStatus = "http_status"
    }
}

/// What a provider received so far; exact even after old messages left the list.
public struct ProviderCounts: Codable, Sendable, Hashable {
    /// Every request to the provider's send endpoint, counted on arrival (so it includes requests
    /// still held by latency or timeout faults, and FCM `validate_only` requests).
    public var received = 0
    /// Requests the provider accepted.
    public var accepted = 0
    /// Requests answered with an error, a fault, or no answer.
    public var failed = 0
    /// Accepted requests whose delivery id was already accepted before.
    public var duplicates = 0

    /// Zero counts.
    public init() {}
}
