/// Where a running sandbox listens.
public struct SandboxEndpoints: Sendable, Hashable {
    /// The HTTP/1.1 listener, such as `http://127.0.0.1:50123`: Twilio, Vonage, SendGrid, FCM
    /// (`/token`, `/v1/projects/…`), webhooks (`/hooks/{name}`) and the control API (`/sandbox/…`).
    public let baseURL: String
    /// The APNs listener, HTTP/2 over TLS only, such as `https://127.0.0.1:50124`.
    public let apnsURL: String
    /// The HTTP/1.1 port.
    public let port: Int
    /// The APNs port.
    public let apnsPort: Int

    /// The FCM token endpoint (the service account's `token_uri`).
    public var tokenURL: String { baseURL + "/token" }
}
