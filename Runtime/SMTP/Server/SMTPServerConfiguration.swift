import NIOSSL

/// Settings of the recording SMTP server.
public struct SMTPServerConfiguration: Sendable {
    /// The address to bind; the sandbox keeps to loopback.
    public var host: String
    /// The port; 0 picks a free one (read it from `SMTPServer.port` after start).
    public var port: Int
    /// The name in the greeting and EHLO reply.
    public var hostname: String
    /// When set, STARTTLS is offered with this context, and AUTH only after TLS.
    public var tlsContext: NIOSSLContext?
    /// With a `tlsContext`: TLS from the first byte (like port 465) instead of STARTTLS.
    public var implicitTLS: Bool
    /// When not empty, AUTH PLAIN and LOGIN are offered and required before MAIL (user → password).
    public var credentials: [String: String]
    /// The SIZE limit in bytes; larger messages get 552.
    public var maximumMessageSize: Int
    /// The longest line accepted, terminator excluded.
    public var maximumLineLength: Int
    /// Whether EHLO advertises PIPELINING; turn off to play an old server (commands are still
    /// answered in order if a client pipelines anyway).
    public var pipelining: Bool
    /// The most recipients per transaction; more get 452.
    public var maximumRecipients: Int
    /// Messages buffered in `SMTPServer.messages` before the oldest are dropped.
    public var recordingBufferLimit: Int

    /// Creates a configuration.
    public init(
        host: String = "127.0.0.1", port: Int = 0, hostname: String = "sandbox.notify.local",
        tlsContext: NIOSSLContext? = nil, implicitTLS: Bool = false, credentials: [String: String] = [:],
        maximumMessageSize: Int = 10 * 1024 * 1024, maximumLineLength: Int = 4096, pipelining: Bool = true,
        maximumRecipients: Int = 100,
        recordingBufferLimit: Int = 10_000
    ) {
        self.host = host
        self.port = port
        self.hostname = hostname
        self.tlsContext = tlsContext
        self.implicitTLS = implicitTLS
        self.credentials = credentials
        self.maximumMessageSize = maximumMessageSize
        self.maximumLineLength = maximumLineLength
        self.pipelining = pipelining
        self.maximumRecipients = maximumRecipients
        self.recordingBufferLimit = recordingBufferLimit
    }
}
