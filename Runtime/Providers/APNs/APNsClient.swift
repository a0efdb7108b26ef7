import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOHTTP1
import NIOSSL

/// Sends push notifications to Apple devices through the APNs provider API
/// (`POST /3/device/{token}` over HTTP/2, reference §4), with a cached ES256 provider token.
///
/// The HTTP client negotiates HTTP/2 by ALPN on TLS; give it `extra_trust_roots_pem` to trust
/// the sandbox's CA.
public struct APNsClient: MessageProvider {
    /// Apple's limit for ordinary pushes.
    public static let maximumPayloadBytes = 4096

    /// Always `.apns`.
    public var kind: ProviderKind { .apns }
    /// The app this client sends to.
    public let configuration: APNsConfiguration
    private let httpClient: HTTPClient
    private let tokens: OAuthTokenCache
    private let tlsConfiguration: TLSConfiguration?
    private let now: @Sendable () -> Date

    /// Creates a client; throws a configuration failure if the key or the trust roots cannot be
    /// read.
    public init(
        configuration: APNsConfiguration, httpClient: HTTPClient, now: @escaping @Sendable () -> Date = { Date() }
    ) async throws(ProviderFailure) {
        let signer = try await APNsTokenSigner(configuration: configuration)
        try self.init(
            configuration: configuration, httpClient: httpClient,
            tokens: OAuthTokenCache(refreshMargin: .zero, now: now) { await signer.token(issuedAt: now()) }, now: now)
    }

    /// Creates a client with a given token cache, whose tokens must expire at their refresh time
    /// (40 minutes after issue); for tests.
    public init(
        configuration: APNsConfiguration, httpClient: HTTPClient, tokens: OAuthTokenCache,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws(ProviderFailure) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.tokens = tokens
        self.now = now
        self.tlsConfiguration = try Self.tlsConfiguration(extraTrustRootsPEM: configuration.extraTrustRootsPEM)
    }

    /// The TLS configuration trusting the system roots plus `extraTrustRootsPEM`, or nil when
    /// there are none (the client's default applies).
    public static func tlsConfiguration(extraTrustRootsPEM: String?) throws(ProviderFailure) -> TLSConfiguration? {
        guard let pem = extraTrustRootsPEM, !pem.isEmpty else { return nil }
        do {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))]
            return tls
        } catch {
            throw ProviderFailure(
                kind: .configuration, code: "apns_trust_roots_invalid",
                message: "extra_trust_roots_pem does not contain PEM certificates.")
        }
    }

    /// Sends one push; see `MessageProvider.send`. A 403 `ExpiredProviderToken` on a token at
    /// least 20 minutes old replaces the token and retries once.
    public func send(_ message: OutboundMessage, timeout: Duration, logger: Logger) async -> SendOutcome {
        guard case .push(let push) = message else { return .failed(.wrongChannel(kind)) }
        let deadline = ContinuousClock.now + timeout
        let outcome = await send(push, deadline: deadline)
        ProviderLog.record(outcome, provider: kind, deliveryID: push.deliveryID, logger: logger)
        return outcome
    }

    private func send(_ push: PushMessage, deadline: ContinuousClock.Instant) async -> SendOutcome {
        var attempt = 0
        while true {
            attempt += 1
            let token: BearerToken
            switch await tokens.token(deadline: deadline) {
            case .success(let value): token = value
            case .failure(let failure): return .failed(failure)
            }
            let request: ProviderHTTPRequest
            switch Self.makeRequest(push, configuration: configuration, providerToken: token.value) {
            case .success(let value): request = value
            case .failure(let failure): return .failed(failure)
            }
            switch await HTTPExchange.perform(
                request, on: httpClient, deadline: deadline, tlsConfiguration: tlsConfiguration)
            {
            case .failure(let failure):
                return .failed(failure)
            case .success(let response):
                if attempt == 1, response.status == 403, Self.reason(response) == "ExpiredProviderToken",
                    Self.mayReplace(token, now: now())
                {
                    tokens.invalidate(token)
                    continue
                }
                return Self.classify(response, sentID: request.headers.first(name: "apns-id"), now: now())
            }
        }
    }

    /// Whether a token is old enough (20 minutes) that Apple allows replacing it.
    static func mayReplace(_ token: BearerToken, now: Date) -> Bool {
        let issuedAt = token.expiresAt.addingTimeInterval(-Double(APNsTokenSigner.refreshAge.components.seconds))
        return now.timeIntervalSince(issuedAt) >= Double(APNsTokenSigner.minimumAge.components.seconds)
    }

    /// The push request, or a permanent `apns_PayloadTooLarge` failure (nothing is sent) when the
    /// payload exceeds 4096 bytes. A message without title and body goes as a background push.
    public static func makeRequest(
        _ message: PushMessage, configuration: APNsConfiguration, providerToken: String
    )
        -> Result<ProviderHTTPRequest, ProviderFailure>
    {
        let background = message.title == nil && message.body == nil
        var aps: [String: Any] = [:]
        if background {
            aps["content-available"] = 1
        } else {
            var alert: [String: String] = [:]
            alert["title"] = message.title
            alert["body"] = message.body
            aps["alert"] = alert
        }
        var payload: [String: Any] = [:]
        for (key, value) in message.data where key != "aps" { payload[key] = value }
        payload["aps"] = aps
        let body =
            (try? JSONSerialization.data(withJSONObject: payload, options: [.withoutEscapingSlashes]))
            .map(Array.init) ?? []
        guard body.count <= maximumPayloadBytes else {
            return .failure(
                ProviderFailure(
                    kind: .permanent, code: "apns_PayloadTooLarge",
                    message:
                        "The push payload is \(body.count) bytes, over APNs' \(maximumPayloadBytes)-byte limit; it was not sent."
                ))
        }
        var headers = HTTPHeaders()
        headers.add(name: "authorization", value: "bearer \(providerToken)")
        headers.add(name: "apns-topic", value: configuration.topic)
        headers.add(name: "apns-push-type", value: background ? "background" : "alert")
        headers.add(name: "apns-priority", value: background || message.priority == .normal ? "5" : "10")
        if let expiration = message.expiration {
            headers.add(name: "apns-expiration", value: String(max(0, Int64(expiration.timeIntervalSince1970))))
        }
        if let collapse = message.collapseID { headers.add(name: "apns-collapse-id", value: collapse) }
        headers.add(name: "apns-id", value: apnsID(forDeliveryID: message.deliveryID))
        headers.add(name: "content-type", value: "application/json")
        let base =
            configuration.baseURL.hasSuffix("/") ? String(configuration.baseURL.dropLast()) : configuration.baseURL
        return .success(
            ProviderHTTPRequest(
                url: "\(base)/3/device/\(FormURLEncoding.escape(message.token))", headers: headers, body: body))
    }

    /// The `apns-id` for a delivery: the delivery id itself when it is a UUID, otherwise a UUID
    /// derived from its SHA-256, so retries of one delivery carry the same id.
    public static func apnsID(forDeliveryID deliveryID: String) -> String {
        if let uuid = UUID(uuidString: deliveryID) { return uuid.uuidString.lowercased() }
        var bytes = Array(SHA256.hash(data: Array(deliveryID.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0f) | 0x80  // version 8: application-defined
        bytes[8] = (bytes[8] & 0x3f) | 0x80  // RFC 9562 variant
        let hex = SignatureSupport.hex(bytes)
        let cuts = [8, 12, 16, 20]
        var out = ""
        for (index, character) in hex.enumerated() {
            if cuts.contains(index) { out.append("-") }
            out.append(character)
        }
        return out
    }

    /// Classifies APNs' answer from its status and `reason` (reference §4.3, §6).
    public static func classify(_ response: ProviderHTTPResponse, sentID: String? = nil, now: Date) -> SendOutcome {
        let status = response.status
        if status == 200 {
            guard let id = response.headers.first(name: "apns-id") ?? sentID, !id.isEmpty else {
                return .failed(.unreadableSuccess(.apns, status: status))
            }
            return .accepted(providerMessageID: id)
        }
        let retryAfter = RetryAfter.from(response.headers, now: now)
        let answer = Self.errorBody(response)
        let reason = answer?.reason ?? "http_\(status)"
        let code = "apns_\(reason)"
        switch reason {
        case "Unregistered", "ExpiredToken", "BadDeviceToken", "DeviceTokenNotForTopic":
            // BadDeviceToken is also what every token gets when base_url names the other
            // environment (reference §4.3, §6); the sender decides which it is.
            return .failed(
                ProviderFailure(
                    kind: .permanent, code: code, message: "APNs says the device token is no longer valid (\(reason)).",
                    recipientAction: .invalidateDeviceToken, mayMeanWrongEnvironment: reason == "BadDeviceToken",
                    invalidSince: status == 410 ? answer?.invalidSince : nil))
        case "PayloadTooLarge":
            return .failed(
                ProviderFailure(kind: .permanent, code: code, message: "APNs says the payload is too large."))
        case "TooManyRequests":
            return .failed(
                ProviderFailure(
                    kind: .rateLimited, code: code, message: "APNs throttled pushes to this device.",
                    retryAfter: retryAfter))
        case "ExpiredProviderToken", "IdleTimeout", "InternalServerError", "ServiceUnavailable", "Shutdown":
            return .failed(
                ProviderFailure(
                    kind: .transient, code: code, message: "APNs had a temporary failure (\(reason)).",
                    retryAfter: retryAfter))
        case "TooManyProviderTokenUpdates":
            return .failed(
                ProviderFailure(
                    kind: .configuration, code: code,
                    message: "APNs saw the provider token change too often; check that one token cache is shared."))
        case "InvalidProviderToken", "MissingProviderToken", "BadCertificate", "BadCertificateEnvironment", "Forbidden",
            "UnrelatedKeyIdInToken", "BadEnvironmentKeyIdInToken":
            return .failed(
                ProviderFailure(
                    kind: .configuration, code: code,
                    message:
                        "APNs refused the provider credentials (\(reason)); check team_id, key_id, the key and the environment."
                ))
        case "BadTopic", "TopicDisallowed", "MissingTopic", "InvalidPushType", "BadPriority", "BadExpirationDate",
            "BadCollapseId", "BadMessageId", "MissingDeviceToken", "PayloadEmpty", "DuplicateHeaders", "BadPath",
            "MethodNotAllowed":
            return .failed(
                ProviderFailure(
                    kind: .configuration, code: code,
                    message: "APNs rejected the request (\(reason)); fix the topic or headers."))
        default:
            return .failed(.fromStatus(status, provider: .apns, retryAfter: retryAfter, code: code))
        }
    }

    /// An error answer's body: `reason`, and on 410 `timestamp` (milliseconds since the epoch),
    /// when APNs last confirmed the token invalid for the topic.
    struct ErrorBody: Decodable {
        var reason: String?
        var timestamp: Int64?

        var invalidSince: Date? { timestamp.map { Date(timeIntervalSince1970: Double($0) / 1000) } }
    }

    static func errorBody(_ response: ProviderHTTPResponse) -> ErrorBody? {
        try? JSONDecoder().decode(ErrorBody.self, from: Data(response.body))
    }

    static func reason(_ response: ProviderHTTPResponse) -> String? {
        errorBody(response)?.reason
    }
}
