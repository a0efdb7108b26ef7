import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1

/// Delivers outbound webhooks to tenants' endpoints, signed the Standard Webhooks way.
///
/// `webhook-id` is the delivery id, so retries of one delivery carry the same id and receivers
/// can deduplicate; it is also the provider message id on success.
public struct WebhookClient: MessageProvider {
    /// Always `.webhook`.
    public var kind: ProviderKind { .webhook }
    private let httpClient: HTTPClient
    private let now: @Sendable () -> Date
    private let userAgent: String

    /// Creates a client on a shared HTTP client; `now` sets `webhook-timestamp` (injectable).
    public init(
        httpClient: HTTPClient, userAgent: String = "notify-webhooks/1",
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.httpClient = httpClient
        self.userAgent = userAgent
        self.now = now
    }

    /// Sends one webhook; see `MessageProvider.send`.
    public func send(_ message: OutboundMessage, timeout: Duration, logger: Logger) async -> SendOutcome {
        guard case .webhook(let webhook) = message else { return .failed(.wrongChannel(kind)) }
        let deadline = ContinuousClock.now + timeout
        let outcome: SendOutcome
        switch Self.makeRequest(webhook, now: now(), userAgent: userAgent) {
        case .failure(let failure):
            outcome = .failed(failure)
        case .success(let request):
            switch await HTTPExchange.perform(request, on: httpClient, deadline: deadline) {
            case .success(let response): outcome = Self.classify(response, id: webhook.deliveryID, now: now())
            case .failure(let failure): outcome = .failed(failure)
            }
        }
        ProviderLog.record(outcome, provider: kind, deliveryID: webhook.deliveryID, logger: logger)
        return outcome
    }

    /// The signed POST, or a configuration failure when the signing secret cannot be read.
    public static func makeRequest(
        _ message: WebhookMessage, now: Date, userAgent: String = "notify-webhooks/1"
    )
        -> Result<ProviderHTTPRequest, ProviderFailure>
    {
        let signer: StandardWebhookSignature
        do {
            signer = try StandardWebhookSignature(secret: message.signingSecret)
        } catch {
            return .failure(
                ProviderFailure(
                    kind: .configuration, code: "webhook_secret_invalid",
                    message: "The endpoint's signing secret is not whsec_ followed by base64; rotate it."))
        }
        let body = Array(message.body.utf8)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "User-Agent", value: userAgent)
        for header in signer.headers(id: message.deliveryID, timestamp: Int64(now.timeIntervalSince1970), body: body) {
            headers.add(name: header.name, value: header.value)
        }
        return .success(ProviderHTTPRequest(url: message.url, headers: headers, body: body))
    }

    /// 2xx accepted; 429 rate-limited with `Retry-After`; 408 and 5xx transient; 410 and other
    /// 4xx permanent (the endpoint refused this delivery); 3xx permanent (redirects are not
    /// followed, as receivers must answer on the registered URL).
    public static func classify(_ response: ProviderHTTPResponse, id: String, now: Date) -> SendOutcome {
        let status = response.status
        let retryAfter = RetryAfter.from(response.headers, now: now)
        let code = "webhook_http_\(status)"
        switch status {
        case 200..<300:
            return .accepted(providerMessageID: id)
        case 429:
            return .failed(
                ProviderFailure(
                    kind: .rateLimited, code: code, message: "The endpoint asked us to slow down (HTTP 429).",
                    retryAfter: retryAfter))
        case 408, 500...599:
            return .failed(
                ProviderFailure(
                    kind: .transient, code: code, message: "The endpoint had a temporary failure (HTTP \(status)).",
                    retryAfter: retryAfter))
        case 410:
            return .failed(
                ProviderFailure(
                    kind: .permanent, code: code, message: "The endpoint is gone (HTTP 410); disable it or fix its URL."
                ))
        default:
            return .failed(
                ProviderFailure(
                    kind: .permanent, code: code, message: "The endpoint refused the delivery (HTTP \(status))."))
        }
    }
}
