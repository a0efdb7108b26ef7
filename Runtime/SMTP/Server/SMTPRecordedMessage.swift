import Foundation

/// A message the sandbox server accepted, as it arrived.
public struct SMTPRecordedMessage: Sendable, Hashable {
    /// Which connection carried it (counting from 1 since the server started).
    public var connectionID: Int
    /// The queue id given in the 250 reply.
    public var queueID: String
    /// The `MAIL FROM` address.
    public var envelopeFrom: String
    /// The accepted `RCPT TO` addresses.
    public var recipients: [String]
    /// The message after dot-unstuffing, CRLF line ends, without the final `.` line.
    public var data: [UInt8]
    /// The user that authenticated, if the session did.
    public var authenticatedUser: String?
    /// Whether the session was under TLS when the message came.
    public var usedTLS: Bool
    /// The name the client gave in EHLO or HELO.
    public var clientName: String?
    /// When the final `.` arrived.
    public var receivedAt: Date

    /// The data as text (invalid UTF-8 repaired), for assertions.
    public var text: String { String(decoding: data, as: UTF8.self) }
}

/// Counters that show how clients used the server.
public struct SMTPServerStatistics: Sendable, Hashable {
    /// Connections accepted since start.
    public var connectionsAccepted = 0
    /// Connections open right now.
    public var openConnections = 0
    /// Messages accepted since start.
    public var messagesAccepted = 0
    /// The most commands that arrived in one read: above 1 means the client pipelined.
    public var largestCommandBatch = 0
}
