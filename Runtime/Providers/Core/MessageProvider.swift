import Logging

/// A client for one configured provider account.
///
/// Implementations are cheap to call concurrently: they share one connection pool (HTTP/1.1
/// keep-alive, HTTP/2 multiplexing or a pool of SMTP sessions) and cache their auth tokens.
public protocol MessageProvider: Sendable {
    /// Which provider this is.
    var kind: ProviderKind { get }

    /// Sends one message and classifies the answer. Never throws; a deadline is applied to the
    /// whole exchange, and a request that was sent but not answered in time comes back as
    /// `.unknownOutcome`.
    func send(_ message: OutboundMessage, timeout: Duration, logger: Logger) async -> SendOutcome
}
