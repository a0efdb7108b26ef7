import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Sends mail through one SMTP relay, reusing authenticated sessions from a small pool.
///
/// Every wait has a deadline: the connect, each reply and the wait for a free session are all
/// bounded by the `timeout` of the send. Call `shutdown()` before dropping the client so idle
/// sessions say QUIT.
public final class SMTPClient: Sendable {
    /// The relay and pool settings.
    public let configuration: SMTPConfiguration
    private let group: any EventLoopGroup
    private let tlsContext: NIOSSLContext?
    private let pool: SMTPConnectionPool

    /// A session idle at least this long gets a NOOP before it carries a message.
    private static let noopAfterIdle: TimeAmount = .seconds(10)

    /// Creates a client; throws an `SMTPClientError` with code `invalidConfiguration` when the
    /// trust roots PEM does not parse or TLS cannot be set up.
    public init(
        configuration: SMTPConfiguration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        self.configuration = configuration
        self.group = eventLoopGroup
        self.tlsContext = try Self.makeTLSContext(configuration)
        self.pool = SMTPConnectionPool(
            group: eventLoopGroup, maxConnections: configuration.maxConnections,
            maxMessagesPerConnection: configuration.maxMessagesPerConnection,
            idleTimeout: .milliseconds(Int64(configuration.idleTimeoutSeconds * 1000)))
    }

    /// SMTP sessions opened so far; with reuse working this stays far below the number of sends.
    public var connectionsOpened: Int { pool.connectionsOpened }

    /// Sends one RFC 5322 message (`message` is the raw text, line breaks LF or CRLF; dot-stuffing
    /// is applied here) and returns the server's acceptance.
    ///
    /// Throws `SMTPClientError`. A session that went stale while idle is replaced once,
    /// transparently, when it fails before any reply.
    public func send(
        envelope: SMTPEnvelope, message: [UInt8], timeout: Duration, logger: Logger
    ) async throws -> SMTPDeliveryReceipt {
        guard !envelope.recipients.isEmpty else {
            throw SMTPClientError(
                code: .invalidConfiguration, stage: .rcptTo, message: "A message needs at least one recipient.")
        }
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let replyTimeout = TimeAmount.milliseconds(Int64(configuration.replyTimeoutSeconds * 1000))
        let body = DotStuffing.stuff(message)
        var attempt = 0
        while true {
            attempt += 1
            let (connection, reused) = try await leaseConnection(deadline: deadline, logger: logger)
            do {
                var receipt = try await connection.send(
                    envelope: envelope, body: body, deadline: deadline, replyTimeout: replyTimeout)
                receipt.reusedConnection = reused
                pool.release(connection)
                return receipt
            } catch {
                pool.release(connection)
                guard let error = error as? SMTPClientError else { throw error }
                let staleSession =
                    reused && error.code == .connectionClosed && error.reply == nil && !error.finalDotSent
                if staleSession, attempt == 1, !Task.isCancelled {
                    logger.debug(
                        "smtp session went stale; retrying on a new one",
                        metadata: [SMTPLogKeys.code: "\(error.code.rawValue)"])
                    continue
                }
                throw error
            }
        }
    }

    /// Opens (or reuses) a session and sends NOOP: the relay is reachable and our credentials work.
    public func checkHealth(timeout: Duration, logger: Logger) async throws {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let (connection, _) = try await leaseConnection(deadline: deadline, logger: logger)
        defer { pool.release(connection) }
        try await connection.noop(deadline: deadline)
    }

    /// Closes idle sessions with QUIT; sends after this fail with `shutDown`.
    public func shutdown() async {
        await pool.shutdown()
    }

    private func leaseConnection(deadline: NIODeadline, logger: Logger) async throws -> (SMTPConnection, Bool) {
        while true {
            switch try await pool.lease(deadline: deadline) {
            case .existing(let connection, let idleSince):
                if NIODeadline.now() - idleSince >= Self.noopAfterIdle {
                    do {
                        try await connection.noop(deadline: min(deadline, .now() + .seconds(10)))
                    } catch {
                        pool.release(connection)
                        continue
                    }
                }
                return (connection, true)
            case .create:
                do {
                    let connection = try await SMTPConnection.open(
                        configuration: configuration, tlsContext: tlsContext, group: group, deadline: deadline)
                    logger.debug(
                        "smtp session opened",
                        metadata: [
                            SMTPLogKeys.tls: "\(connection.usedTLS)",
                            SMTPLogKeys.pipelining: "\(connection.capabilities.pipelining)",
                        ])
                    return (connection, false)
                } catch {
                    pool.releaseSlot()
                    throw error
                }
            }
        }
    }

    private static func makeTLSContext(_ configuration: SMTPConfiguration) throws -> NIOSSLContext? {
        guard configuration.tls != .none else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        do {
            if let pem = configuration.trustRootsPEM {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))
            }
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw SMTPClientError(
                code: .invalidConfiguration, stage: .connect,
                message:
                    "The TLS settings could not be loaded (\(type(of: error))); check that trustRootsPEM holds PEM certificates."
            )
        }
    }
}
