import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// A recording SMTP server for the provider sandbox and tests.
///
/// It speaks EHLO (PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES, STARTTLS when given a TLS
/// context, AUTH PLAIN LOGIN when given credentials), MAIL, RCPT, DATA, RSET, NOOP and QUIT.
/// Every accepted message appears on `messages`. Fault rules (`setRules`) make chosen recipients
/// fail with any reply, hang or disconnect; `setReplyDelay` slows every reply down.
///
/// Run it as a `Service` (it stops on graceful shutdown) or call `start()` and `stop()`.
public final class SMTPServer: Service, Sendable {
    /// Accepted messages in arrival order; finishes when the server stops. Consume it once.
    public let messages: AsyncStream<SMTPRecordedMessage>

    private let shared: SMTPServerShared
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var serverChannel: (any Channel)?
        var children: [ObjectIdentifier: any Channel] = [:]
        var stopped = false
    }

    /// Creates a server; nothing is bound until `start()` or `run()`.
    public init(
        configuration: SMTPServerConfiguration = SMTPServerConfiguration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: SMTPRecordedMessage.self, bufferingPolicy: .bufferingNewest(configuration.recordingBufferLimit))
        self.messages = stream
        self.shared = SMTPServerShared(configuration: configuration, continuation: continuation)
        self.group = eventLoopGroup
        self.logger = logger
    }

    /// The bound port once started, else nil.
    public var port: Int? {
        state.withLock { $0.serverChannel?.localAddress?.port }
    }

    /// Connection, message and pipelining counters.
    public var statistics: SMTPServerStatistics {
        var statistics = shared.statistics
        statistics.openConnections = state.withLock { $0.children.count }
        return statistics
    }

    /// Closes every open session without a reply, as a relay restarting would; the server keeps
    /// accepting new connections.
    public func dropConnections() async {
        let children = state.withLock { Array($0.children.values) }
        for child in children { try? await child.close() }
    }

    /// Replaces the fault rules; takes effect for the next command.
    public func setRules(_ rules: [SMTPFaultRule]) {
        shared.rules = rules
    }

    /// Waits this long before every reply (zero turns it off).
    public func setReplyDelay(_ delay: Duration) {
        shared.replyDelay = delay
    }

    /// Binds the listening socket; returns when connections can be accepted.
    public func start() async throws {
        let shared = self.shared
        let configuration = shared.configuration
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [weak self] channel in
                self?.track(channel)
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if configuration.implicitTLS, let tlsContext = configuration.tlsContext {
                        try sync.addHandler(NIOSSLServerHandler(context: tlsContext))
                    }
                    try sync.addHandler(
                        ByteToMessageHandler(SMTPLineDecoder(maximumLineLength: configuration.maximumLineLength)))
                    try sync.addHandler(
                        SMTPServerSessionHandler(shared: shared, connectionID: shared.connectionAccepted()))
                }
            }
        let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        state.withLock { $0.serverChannel = channel }
        logger.info("smtp sandbox listening", metadata: [SMTPLogKeys.port: "\(channel.localAddress?.port ?? 0)"])
    }

    /// Stops accepting, closes every session and finishes `messages`.
    public func stop() async {
        let (server, children) = state.withLock { state -> ((any Channel)?, [any Channel]) in
            state.stopped = true
            defer {
                state.serverChannel = nil
                state.children = [:]
            }
            return (state.serverChannel, Array(state.children.values))
        }
        try? await server?.close()
        for child in children { try? await child.close() }
        shared.finish()
    }

    /// Runs as a `Service`: starts, waits for graceful shutdown (or cancellation), then stops.
    public func run() async throws {
        try await start()
        try? await gracefulShutdown()
        await stop()
    }

    private func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let accepted = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.children[id] = channel
            return true
        }
        guard accepted else {
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.state.withLock { $0.children.removeValue(forKey: id) }
        }
    }
}
