import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1

/// Sends SMS through the Vonage SMS API (`POST /sms/json`, form-encoded).
///
/// The delivery id travels as `client-ref`, which Vonage echoes in delivery receipts.
public struct VonageClient: MessageProvider {
    /// Always `.vonage`.
    public var kind: ProviderKind { .vonage }
    /// The account this client sends through.
    public let configuration: VonageConfiguration
    private let httpClient: HTTPClient
    private let now: @Sendable () -> Date

    /// Creates a client on a shared HTTP client; `now` is injectable for tests (and signs
    /// requests' `timestamp`).
    public init(
        configuration: VonageConfiguration, httpClient: HTTPClient, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.now = now
    }

    /// Sends one SMS; see `MessageProvider.send`.
    public func send(_ message: OutboundMessage, timeout: Duration, logger: Logger) async -> SendOutcome {
        guard case .sms(let sms) = message else { return .failed(.wrongChannel(kind)) }
        let deadline = ContinuousClock.now + timeout
        let request = Self.makeRequest(sms, configuration: configuration, now: now())
        let outcome: SendOutcome
        switch await HTTPExchange.perform(request, on: httpClient, deadline: deadline) {
        case .success(let response): outcome = Self.classify(response, now: now())
        case .failure(let failure): outcome = .failed(failure)
        }
        ProviderLog.record(outcome, provider: kind, deliveryID: sms.deliveryID, logger: logger)
        return outcome
    }

    /// The send request: `api_key`, `api_secret` (or `timestamp` and `sig`), `from`, `to` (E.164
    /// without `+`), `text`, `type` (`unicode` when the text is not ASCII), `client-ref` and, with a
    /// callback URL, `callback` and `status-report-req`.
    public static func makeRequest(
        _ message: SMSMessage, configuration: VonageConfiguration, now: Date
    )
        -> ProviderHTTPRequest
    {
        var params: [String: String] = [
            "api_key": configuration.apiKey,
            "from": stripPlus(message.from),
            "to": stripPlus(message.to),
            "text": message.text,
            "type": message.text.unicodeScalars.allSatisfy(\.isASCII) ? "text" : "unicode",
            "client-ref": message.deliveryID,
        ]
        if let callback = message.statusCallbackURL {
            params["callback"] = callback
            params["status-report-req"] = "1"
        }
        if let signatureSecret = configuration.signatureSecret {
            params = VonageSignature(secret: signatureSecret, method: configuration.signatureMethod).signed(
                parameters: params, now: now)
        } else {
            params["api_secret"] = configuration.apiSecret ?? ""
        }
        let fields = params.keys.sorted().map { (name: $0, value: params[$0]!) }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        headers.add(name: "Accept", value: "application/json")
        let base =
            configuration.baseURL.hasSuffix("/") ? String(configuration.baseURL.dropLast()) : configuration.baseURL
        return ProviderHTTPRequest(
            url: "\(base)/sms/json", headers: headers, body: Array(FormURLEncoding.encode(fields).utf8))
    }

    /// Classifies Vonage's answer. The HTTP status is 200 even for most failures; each part in
    /// `messages` has a `status`, `"0"` meaning accepted.
    public static func classify(_ response: ProviderHTTPResponse, now: Date) -> SendOutcome {
        let retryAfter = RetryAfter.from(response.headers, now: now)
        guard (200..<300).contains(response.status) else {
            return .failed(.fromStatus(response.status, provider: .vonage, retryAfter: retryAfter))
        }
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(response.body)),
            let first = body.messages.first
        else { return .failed(.unreadableSuccess(.vonage, status: response.status)) }
        if let failed = body.messages.first(where: { $0.status != "0" }) {
            return .failed(failure(forStatus: failed.status, retryAfter: retryAfter))
        }
        guard let id = first.messageID, !id.isEmpty else {
            return .failed(.unreadableSuccess(.vonage, status: response.status))
        }
        return .accepted(providerMessageID: id)
    }

    /// The class of a Vonage SMS API status code.
    public static func failure(forStatus status: String, retryAfter: Duration? = nil) -> ProviderFailure {
        let code = "vonage_\(status)"
        switch status {
        case "1":
            return ProviderFailure(
                kind: .rateLimited, code: code, message: "Vonage throttled the request (too many per second).",
                retryAfter: retryAfter ?? .seconds(1))
        case "5", "10":
            return ProviderFailure(
                kind: .transient, code: code, message: "Vonage had a temporary failure (status \(status)).",
                retryAfter: retryAfter)
        case "6", "7", "33":
            return ProviderFailure(
                kind: .permanent, code: code,
                message: "Vonage cannot deliver to this number (unroutable, barred or deactivated).",
                recipientAction: .suppressAddress)
        case "3", "12", "22":
            return ProviderFailure(
                kind: .permanent, code: code,
                message:
                    "Vonage rejected this message (invalid parameter, too long or invalid network); do not retry it as is."
            )
        case "2":
            return ProviderFailure(
                kind: .configuration, code: code,
                message: "Vonage says a required parameter is missing; check the sender setup.")
        case "4", "14", "32":
            return ProviderFailure(
                kind: .configuration, code: code,
                message: "Vonage refused the credentials or signature; check the API key and secrets.")
        case "8", "9", "11":
            return ProviderFailure(
                kind: .configuration, code: code,
                message: "The Vonage account cannot send (barred, out of credit, or not enabled for HTTP).")
        case "15", "23", "29":
            return ProviderFailure(
                kind: .configuration, code: code,
                message: "Vonage refused the sender, callback URL or destination for this account (status \(status)).")
        default:
            return ProviderFailure(
                kind: .transient, code: code, message: "Vonage answered with status \(status), which is not classified."
            )
        }
    }

    private static func stripPlus(_ number: String) -> String {
        number.hasPrefix("+") ? String(number.dropFirst()) : number
    }

    private struct Body: Decodable {
        struct Part: Decodable {
            var status: String
            var messageID: String?
            enum CodingKeys: String, CodingKey {
                case status
                case messageID = "message-id"
            }
        }
        var messages: [Part]
    }
}
