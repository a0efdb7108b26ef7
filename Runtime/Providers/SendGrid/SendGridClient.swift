import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1

/// Sends email through the SendGrid v3 Mail Send API (`POST /v3/mail/send`, reference §2.1).
public struct SendGridClient: MessageProvider {
    /// Always `.sendgrid`.
    public var kind: ProviderKind { .sendgrid }
    /// The account this client sends through.
    public let configuration: SendGridConfiguration
    private let httpClient: HTTPClient
    private let now: @Sendable () -> Date

    /// Creates a client on a shared HTTP client; `now` is injectable for tests.
    public init(
        configuration: SendGridConfiguration, httpClient: HTTPClient, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.now = now
    }

    /// Sends one email; see `MessageProvider.send`.
    public func send(_ message: OutboundMessage, timeout: Duration, logger: Logger) async -> SendOutcome {
        guard case .email(let email) = message else { return .failed(.wrongChannel(kind)) }
        let deadline = ContinuousClock.now + timeout
        let request = Self.makeRequest(email, configuration: configuration)
        let outcome: SendOutcome
        switch await HTTPExchange.perform(request, on: httpClient, deadline: deadline) {
        case .success(let response): outcome = Self.classify(response, now: now())
        case .failure(let failure): outcome = .failed(failure)
        }
        ProviderLog.record(outcome, provider: kind, deliveryID: email.deliveryID, logger: logger)
        return outcome
    }

    /// The mail-send request: one personalization, text before HTML, extra headers, and
    /// `custom_args.delivery_id` so event webhooks can be matched to the delivery.
    public static func makeRequest(_ message: EmailMessage, configuration: SendGridConfiguration) -> ProviderHTTPRequest
    {
        let bytes = Array(body(for: message).jsonText.utf8)
        var httpHeaders = HTTPHeaders()
        httpHeaders.add(name: "Authorization", value: "Bearer \(configuration.apiKey)")
        httpHeaders.add(name: "Content-Type", value: "application/json")
        httpHeaders.add(name: "Accept", value: "application/json")
        if let subuser = configuration.onBehalfOf { httpHeaders.add(name: "On-Behalf-Of", value: subuser) }
        let base =
            configuration.baseURL.hasSuffix("/") ? String(configuration.baseURL.dropLast()) : configuration.baseURL
        return ProviderHTTPRequest(url: "\(base)/v3/mail/send", headers: httpHeaders, body: bytes)
    }

    /// The mail-send body for `message` (see ``makeRequest(_:configuration:)``).
    static func body(for message: EmailMessage) -> Body {
        var content: [Body.Content] = []
        if let text = message.text { content.append(.init(type: "text/plain", value: text)) }
        if let html = message.html { content.append(.init(type: "text/html", value: html)) }
        var headers: [String: String]? = nil
        if !message.headers.isEmpty {
            headers = [:]
            for header in message.headers { headers![header.name] = header.value }
        }
        return Body(
            personalizations: [.init(to: [.init(message.to)])],
            from: .init(message.from),
            replyTo: message.replyTo.map(Body.Address.init),
            subject: message.subject,
            content: content,
            headers: headers,
            customArgs: ["delivery_id": message.deliveryID])
    }

    /// Classifies SendGrid's answer: 202 with `X-Message-Id` is accepted; 429 waits until
    /// `X-RateLimit-Reset` (or `Retry-After`); 5xx is transient; other 4xx are configuration
    /// problems (validation, credentials, unverified sender, size), reference §6.
    public static func classify(_ response: ProviderHTTPResponse, now: Date) -> SendOutcome {
        let status = response.status
        if (200..<300).contains(status) {
            guard let id = response.headers.first(name: "X-Message-Id"), !id.isEmpty else {
                return .failed(.unreadableSuccess(.sendgrid, status: status))
            }
            return .accepted(providerMessageID: id)
        }
        let field = (try? JSONDecoder().decode(ErrorBody.self, from: Data(response.body)))?.errors?.first?.field ?? nil
        let code = "sendgrid_\(status)"
        switch status {
        case 429:
            let wait =
                RetryAfter.untilUnixTime(response.headers.first(name: "X-RateLimit-Reset"), now: now)
                ?? RetryAfter.from(response.headers, now: now)
            return .failed(
                ProviderFailure(
                    kind: .rateLimited, code: code, message: "SendGrid asked us to slow down (HTTP 429).",
                    retryAfter: wait))
        case 408, 500...599:
            return .failed(
                .fromStatus(status, provider: .sendgrid, retryAfter: RetryAfter.from(response.headers, now: now)))
        case 401:
            return .failed(
                ProviderFailure(kind: .configuration, code: code, message: "SendGrid refused the API key; check it."))
        case 403:
            return .failed(
                ProviderFailure(
                    kind: .configuration, code: code,
                    message: field == "from"
                        ? "SendGrid refused the sender: the from address is not a verified Sender Identity."
                        : "SendGrid refused the request: the API key lacks the mail.send scope or the sender is not verified."
                ))
        case 413:
            return .failed(
                ProviderFailure(
                    kind: .configuration, code: code, message: "The email is too large for SendGrid (30 MB)."))
        default:
            let detail = field.map { " (field \($0))" } ?? ""
            return .failed(
                ProviderFailure(
                    kind: .configuration, code: code,
                    message:
                        "SendGrid rejected the request as invalid\(detail) (HTTP \(status)); fix the message or sender setup."
                ))
        }
    }

    /// The mail-send body. Encodable for the tests, which compare ``jsonText`` with the encoder's
    /// text; requests carry ``jsonText``.
    struct Body: Encodable {
        struct Address: Encodable {
            var email: String
            var name: String?
            init(_ address: EmailAddress) {
                email = address.address
                name = address.name
            }
        }
        struct Personalization: Encodable { var to: [Address] }
        struct Content: Encodable {
            var type: String
            var value: String
        }
        var personalizations: [Personalization]
        var from: Address
        var replyTo: Address?
        var subject: String
        var content: [Content]
        var headers: [String: String]?
        var customArgs: [String: String]

        enum CodingKeys: String, CodingKey {
            case personalizations, from, subject, content, headers
            case replyTo = "reply_to"
            case customArgs = "custom_args"
        }
    }

    private struct ErrorBody: Decodable {
        struct Entry: Decodable { var field: String? }
        var errors: [Entry]?
    }
}
