import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1
import NotifyJSON

/// Sends SMS through Twilio Programmable Messaging
/// (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, reference §1).
public struct TwilioClient: MessageProvider {
    /// Always `.twilio`.
    public var kind: ProviderKind { .twilio }
    /// The account this client sends through.
    public let configuration: TwilioConfiguration
    private let httpClient: HTTPClient
    private let now: @Sendable () -> Date
    /// The parts of every request that depend only on the account: its URL and headers.
    private let template: (url: String, headers: HTTPHeaders)

    /// Creates a client on a shared HTTP client; `now` is injectable for tests.
    public init(
        configuration: TwilioConfiguration, httpClient: HTTPClient, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.now = now
        self.template = Self.template(configuration)
    }

    /// Sends one SMS; see `MessageProvider.send`.
    public func send(_ message: OutboundMessage, timeout: Duration, logger: Logger) async -> SendOutcome {
        guard case .sms(let sms) = message else { return .failed(.wrongChannel(kind)) }
        let deadline = ContinuousClock.now + timeout
        let request = ProviderHTTPRequest(
            url: template.url, headers: template.headers, body: Self.body(sms, configuration: configuration))
        let outcome: SendOutcome
        switch await HTTPExchange.perform(request, on: httpClient, deadline: deadline) {
        case .success(let response): outcome = Self.classify(response, now: now())
        case .failure(let failure): outcome = .failed(failure)
        }
        ProviderLog.record(outcome, provider: kind, deliveryID: sms.deliveryID, logger: logger)
        return outcome
    }

    /// The create-message request: form fields `To`, `From` or `MessagingServiceSid`, `Body` and
    /// `StatusCallback`, with Basic auth.
    public static func makeRequest(_ message: SMSMessage, configuration: TwilioConfiguration) -> ProviderHTTPRequest {
        let template = template(configuration)
        return ProviderHTTPRequest(
            url: template.url, headers: template.headers, body: body(message, configuration: configuration))
    }

    /// The request's URL and headers for an account.
    private static func template(_ configuration: TwilioConfiguration) -> (url: String, headers: HTTPHeaders) {
        let base =
            configuration.baseURL.hasSuffix("/") ? String(configuration.baseURL.dropLast()) : configuration.baseURL
        let account = FormURLEncoding.escape(configuration.accountSID)
        var headers = HTTPHeaders()
        headers.add(
            name: "Authorization",
            value: basicAuthorization(
                user: configuration.apiKeySID ?? configuration.accountSID, password: configuration.authToken))
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        headers.add(name: "Accept", value: "application/json")
        return ("\(base)/2010-04-01/Accounts/\(account)/Messages.json", headers)
    }

    /// The request's form body.
    private static func body(_ message: SMSMessage, configuration: TwilioConfiguration) -> [UInt8] {
        var fields: [(name: String, value: String)] = [("To", message.to)]
        if let service = configuration.messagingServiceSID {
            fields.append(("MessagingServiceSid", service))
        } else {
            fields.append(("From", message.from))
        }
        fields.append(("Body", message.text))
        if let callback = message.statusCallbackURL { fields.append(("StatusCallback", callback)) }
        return FormURLEncoding.encodedBytes(fields)
    }

    /// The members of Twilio's answer that ``classify(_:now:)`` reads.
    private static let answerMembers: Set<String> = ["sid", "code"]

    /// Classifies Twilio's answer: 201 with `sid` is accepted; error codes per reference §6.
    public static func classify(_ response: ProviderHTTPResponse, now: Date) -> SendOutcome {
        let retryAfter = RetryAfter.from(response.headers, now: now)
        // The answer read directly (a message resource is about thirty fields, of which one is
        // needed): Foundation's decoder took 1.6 % of the SMS benchmark's samples here.
        let members = try? JSONValue.members(
            named: answerMembers, parsingUTF8: response.body)
        if (200..<300).contains(response.status) {
            guard case .string(let sid)? = members?["sid"], !sid.isEmpty
            else { return .failed(.unreadableSuccess(.twilio, status: response.status)) }
            return .accepted(providerMessageID: sid)
        }
        var code: Int?
        if case .number(let number)? = members?["code"] { code = Int(exactly: number) }
        if let code, let failure = failure(forCode: code, retryAfter: retryAfter) {
            return .failed(failure)
        }
        return .failed(
            .fromStatus(response.status, provider: .twilio, retryAfter: retryAfter, code: code.map { "twilio_\($0)" }))
    }

    /// The class of a Twilio error code (synchronous or from a status callback), or nil if the
    /// code is not one the table knows.
    public static func failure(forCode code: Int, retryAfter: Duration? = nil) -> ProviderFailure? {
        let name = "twilio_\(code)"
        switch code {
        case 20429:
            return ProviderFailure(
                kind: .rateLimited, code: name, message: "Twilio refused the request: too many concurrent requests.",
                retryAfter: retryAfter)
        case 21611, 30001:
            return ProviderFailure(
                kind: .rateLimited, code: name, message: "The sender's Twilio queue is full; slow down.",
                retryAfter: retryAfter)
        case 30003, 30008:
            return ProviderFailure(
                kind: .transient, code: name, message: "Twilio could not reach the handset this time.",
                retryAfter: retryAfter)
        case 21211:
            return ProviderFailure(
                kind: .permanent, code: name, message: "Twilio says the recipient number is not valid.",
                recipientAction: .suppressAddress)
        case 21610:
            return ProviderFailure(
                kind: .permanent, code: name,
                message: "The recipient replied STOP; do not send until they reply START.",
                recipientAction: .suppressAddress)
        case 21612, 21614, 21635, 30004, 30005, 30006:
            return ProviderFailure(
                kind: .permanent, code: name,
                message: "The recipient number cannot receive SMS (landline, unknown or blocked).",
                recipientAction: .suppressAddress)
        case 20003:
            return ProviderFailure(
                kind: .configuration, code: name,
                message: "Twilio authentication failed; check the account SID and auth token.")
        case 20404:
            return ProviderFailure(
                kind: .configuration, code: name, message: "Twilio does not know this resource; check the account SID.")
        case 21606, 21659:
            return ProviderFailure(
                kind: .configuration, code: name,
                message: "The From number cannot send SMS or does not belong to this account.")
        case 21408:
            return ProviderFailure(
                kind: .configuration, code: name, message: "Twilio geo permissions do not allow sending to this region."
            )
        case 21608:
            return ProviderFailure(
                kind: .configuration, code: name, message: "A Twilio trial account can only send to verified numbers.")
        case 30002:
            return ProviderFailure(kind: .configuration, code: name, message: "The Twilio account is suspended.")
        case 30007:
            return ProviderFailure(
                kind: .configuration, code: name,
                message: "The carrier filtered the message; fix the content or the sender registration.")
        default:
            return nil
        }
    }

}
