import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1
import NotifyJSON

/// Sends push notifications through FCM HTTP v1 (`POST /v1/projects/{id}/messages:send`,
/// reference §3), authenticating with a cached OAuth token from the service account.
public struct FCMClient: MessageProvider {
    /// Always `.fcm`.
    public var kind: ProviderKind { .fcm }
    /// The `message.data` key that carries the delivery id, as APNs carries it in `apns-id` and
    /// SendGrid in `custom_args`: the app (and the sandbox) can tell a retried send of one
    /// delivery from a new message. Prefixed, so it does not take a name a template's data uses;
    /// it replaces a data entry of the same name.
    public static let deliveryIDDataKey = "notify_delivery_id"
    /// The project this client sends through.
    public let configuration: FCMConfiguration
    private let httpClient: HTTPClient
    private let tokens: OAuthTokenCache
    private let now: @Sendable () -> Date
    /// The project's send URL, made once.
    private let sendURL: String

    /// Creates a client whose tokens come from the service account's key; throws a configuration
    /// failure if the key cannot be read. `tokenTimeout` bounds each token request, which is shared
    /// by all sends waiting for it.
    public init(
        configuration: FCMConfiguration, httpClient: HTTPClient, tokenTimeout: Duration = .seconds(10),
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws(ProviderFailure) {
        let source = try await FCMTokenSource(
            configuration: configuration, httpClient: httpClient, timeout: tokenTimeout, now: now)
        self.init(
            configuration: configuration, httpClient: httpClient,
            tokens: OAuthTokenCache(now: now) { await source.fetch() }, now: now)
    }

    /// Creates a client with a given token cache (tests, or tokens from elsewhere).
    public init(
        configuration: FCMConfiguration, httpClient: HTTPClient, tokens: OAuthTokenCache,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.tokens = tokens
        self.now = now
        self.sendURL = Self.sendURL(configuration)
    }

    /// Sends one push; see `MessageProvider.send`. A 401 UNAUTHENTICATED drops the token and
    /// retries once with a new one.
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
            let request = Self.makeRequest(push, url: sendURL, accessToken: token.value, now: now())
            switch await HTTPExchange.perform(request, on: httpClient, deadline: deadline) {
            case .failure(let failure):
                return .failed(failure)
            case .success(let response):
                if attempt == 1, Self.isExpiredToken(response) {
                    tokens.invalidate(token)
                    continue
                }
                return Self.classify(response, now: now())
            }
        }
    }

    /// The send request: `message.token`, `notification {title, body}`, `data` (with the delivery
    /// id as `notify_delivery_id`), `android {priority, ttl, collapse_key}` and `apns.headers`
    /// (priority, expiration, collapse id).
    public static func makeRequest(
        _ message: PushMessage, configuration: FCMConfiguration, accessToken: String, now: Date
    ) -> ProviderHTTPRequest {
        makeRequest(message, url: sendURL(configuration), accessToken: accessToken, now: now)
    }

    private static func makeRequest(
        _ message: PushMessage, url: String, accessToken: String, now: Date
    ) -> ProviderHTTPRequest {
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Bearer \(accessToken)")
        headers.add(name: "Content-Type", value: "application/json")
        return ProviderHTTPRequest(url: url, headers: headers, body: Array(body(for: message, now: now).jsonText.utf8))
    }

    /// `…/v1/projects/{project}/messages:send` under the configuration's base URL.
    private static func sendURL(_ configuration: FCMConfiguration) -> String {
        let base =
            configuration.baseURL.hasSuffix("/") ? String(configuration.baseURL.dropLast()) : configuration.baseURL
        return "\(base)/v1/projects/\(FormURLEncoding.escape(configuration.projectID))/messages:send"
    }

    /// The send body of `message` (see ``makeRequest(_:configuration:accessToken:now:)``); its
    /// `ttl` counts from `now`.
    static func body(for message: PushMessage, now: Date) -> Body {
        var android = Body.Android(priority: message.priority == .high ? "high" : "normal")
        var apnsHeaders = ["apns-priority": message.priority == .high ? "10" : "5"]
        if let expiration = message.expiration {
            android.ttl = "\(max(0, Int64(expiration.timeIntervalSince(now).rounded(.down))))s"
            apnsHeaders["apns-expiration"] = String(Int64(expiration.timeIntervalSince1970))
        }
        if let collapse = message.collapseID {
            android.collapseKey = collapse
            apnsHeaders["apns-collapse-id"] = collapse
        }
        let notification =
            (message.title == nil && message.body == nil)
            ? nil : Body.Notification(title: message.title, body: message.body)
        var data = message.data
        data[deliveryIDDataKey] = message.deliveryID
        return Body(
            message: .init(
                token: message.token, notification: notification, data: data, android: android,
                apns: .init(headers: apnsHeaders)))
    }

    /// True for a 401 that means our OAuth token is bad (not a third-party auth error).
    static func isExpiredToken(_ response: ProviderHTTPResponse) -> Bool {
        guard response.status == 401 else { return false }
        let error = try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(response.body))
        let fcmCode = error?.error.details?.first(where: { $0.type?.hasSuffix("FcmError") ?? false })?.errorCode
        return fcmCode == nil || fcmCode == "UNAUTHENTICATED"
    }

    /// The member of FCM's success answer that ``classify(_:now:)`` reads.
    private static let answerMembers: Set<String> = ["name"]

    /// Classifies FCM's answer from the `FcmError.errorCode` in the google.rpc envelope, or the
    /// HTTP status (reference §3.4, §6).
    public static func classify(_ response: ProviderHTTPResponse, now: Date) -> SendOutcome {
        let status = response.status
        let retryAfter = RetryAfter.from(response.headers, now: now)
        if status == 200 {
            // Read directly: the one field needed, without Foundation's decoder, on every push.
            let members = try? JSONValue.members(named: answerMembers, parsingUTF8: response.body)
            guard case .string(let name)? = members?["name"], !name.isEmpty else {
                return .failed(.unreadableSuccess(.fcm, status: status))
            }
            return .accepted(providerMessageID: name)
        }
        let envelope = (try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(response.body)))?.error
        let fcmCode = envelope?.details?.first(where: { $0.type?.hasSuffix("FcmError") ?? false })?.errorCode
        let errorCode = fcmCode ?? envelope?.status ?? Self.statusName(status)
        let code = "fcm_\(errorCode)"
        switch errorCode {
        case "UNREGISTERED":
            return .failed(
                ProviderFailure(
                    kind: .permanent, code: code,
                    message: "FCM says the app instance is unregistered; delete the token.",
                    recipientAction: .invalidateDeviceToken))
        case "SENDER_ID_MISMATCH":
            return .failed(
                ProviderFailure(
                    kind: .permanent, code: code, message: "The token belongs to another Firebase project.",
                    recipientAction: .invalidateDeviceToken))
        case "INVALID_ARGUMENT":
            if envelope?.message?.localizedCaseInsensitiveContains("registration token") ?? false {
                return .failed(
                    ProviderFailure(
                        kind: .permanent, code: code, message: "FCM says the registration token is not valid.",
                        recipientAction: .invalidateDeviceToken))
            }
            return .failed(
                ProviderFailure(
                    kind: .configuration, code: code, message: "FCM rejected a field of the message; fix the payload."))
        case "QUOTA_EXCEEDED", "RESOURCE_EXHAUSTED":
            return .failed(
                ProviderFailure(
                    kind: .rateLimited, code: code, message: "FCM sending quota exceeded.",
                    retryAfter: retryAfter ?? .seconds(60)))
        case "UNAVAILABLE", "INTERNAL", "UNSPECIFIED_ERROR":
            return .failed(
                ProviderFailure(
                    kind: .transient, code: code, message: "FCM had a temporary failure (HTTP \(status)).",
                    retryAfter: retryAfter))
        case "THIRD_PARTY_AUTH_ERROR", "APNS_AUTH_ERROR":
            return .failed(
                ProviderFailure(
                    kind: .configuration, code: code,
                    message: "FCM could not authenticate to APNs or web push; check the credentials in Firebase."))
        case "UNAUTHENTICATED", "PERMISSION_DENIED":
            return .failed(
                ProviderFailure(
                    kind: .configuration, code: code,
                    message: "FCM refused the service account; check its key and the Firebase Cloud Messaging role."))
        case "NOT_FOUND":
            return .failed(
                ProviderFailure(
                    kind: .configuration, code: code, message: "FCM does not know this project; check project_id."))
        default:
            return .failed(.fromStatus(status, provider: .fcm, retryAfter: retryAfter, code: code))
        }
    }

    private static func statusName(_ status: Int) -> String {
        switch status {
        case 400: return "INVALID_ARGUMENT"
        case 401: return "UNAUTHENTICATED"
        case 403: return "PERMISSION_DENIED"
        case 404: return "NOT_FOUND"
        case 429: return "RESOURCE_EXHAUSTED"
        case 500: return "INTERNAL"
        case 503: return "UNAVAILABLE"
        default: return "http_\(status)"
        }
    }

    struct Body: Encodable {
        struct Notification: Encodable {
            var title: String?
            var body: String?
        }
        struct Android: Encodable {
            var priority: String
            var ttl: String?
            var collapseKey: String?
            enum CodingKeys: String, CodingKey {
                case priority, ttl
                case collapseKey = "collapse_key"
            }
        }
        struct APNs: Encodable { var headers: [String: String] }
        struct Message: Encodable {
            var token: String
            var notification: Notification?
            var data: [String: String]?
            var android: Android
            var apns: APNs
        }
        var message: Message
    }

    struct ErrorEnvelope: Decodable {
        struct Detail: Decodable {
            var type: String?
            var errorCode: String?
            enum CodingKeys: String, CodingKey {
                case type = "@type"
                case errorCode
            }
        }
        struct Status: Decodable {
            var code: Int?
            var message: String?
            var status: String?
            var details: [Detail]?
        }
        var error: Status
    }
}
