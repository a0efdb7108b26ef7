import NIOCore
import NIOSSL

/// Matches replies to requests in order, which is all pipelining needs: every request registers
/// how many replies it expects, and each complete reply fulfils the oldest waiting promise.
///
/// Lives on the channel's event loop. A deadline fails every waiting promise and closes the
/// channel, since a session that missed a reply can no longer be trusted.
final class SMTPClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var parser = SMTPReplyParser()
    private var waiting = CircularBuffer<EventLoopPromise<SMTPReply>>()
    /// Replies that came before a request was waiting for them.
    private var early = CircularBuffer<SMTPReply>()
    private var context: ChannelHandlerContext?
    private var failure: SMTPTransportError?
    private var timer: Scheduled<Void>?
    private let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(.closed)
        self.context = nil
    }

    /// Writes `payload` (if any) and returns the next `replies` replies, failing at `deadline`.
    func send(_ payload: ByteBuffer?, expecting replies: Int, deadline: NIODeadline) -> EventLoopFuture<[SMTPReply]> {
        guard let context else {
            return eventLoop.makeFailedFuture(failure ?? SMTPTransportError.closed)
        }
        if let failure { return context.eventLoop.makeFailedFuture(failure) }
        let promises = (0..<replies).map { _ in context.eventLoop.makePromise(of: SMTPReply.self) }
        var unanswered = promises[...]
        while !unanswered.isEmpty, let reply = early.popFirst() {
            unanswered.removeFirst().succeed(reply)
        }
        waiting.append(contentsOf: unanswered)
        timer?.cancel()
        timer = nil
        if !waiting.isEmpty {
            timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
                self?.fail(.timeout)
            }
        }
        if let payload {
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.assumeIsolated().whenFailure { [weak self] _ in self?.fail(.writeFailed) }
            context.writeAndFlush(NIOAny(payload), promise: written)
        }
        return EventLoopFuture.whenAllSucceed(promises.map(\.futureResult), on: context.eventLoop)
    }

    /// Whether replies arrived that nobody asked for. Before installing TLS this must be false:
    /// anything queued in clear text after `220 Ready to start TLS` was injected by a third party.
    var hasUnclaimedReplies: Bool { !early.isEmpty }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = String(buffer: unwrapInboundIn(data))
        do {
            guard let reply = try parser.feed(line) else { return }
            guard let promise = waiting.popFirst() else {
                // The greeting can arrive before anyone asks for it: keep it for the next request.
                // A 421 with nobody waiting is the server closing an idle session.
                if reply.code == 421 { return fail(.closed) }
                early.append(reply)
                return
            }
            if waiting.isEmpty {
                timer?.cancel()
                timer = nil
            }
            promise.succeed(reply)
        } catch let error as SMTPProtocolError {
            fail(.framing(error))
        } catch {
            fail(.closed)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case let error as SMTPProtocolError: fail(.framing(error))
        case let error as NIOSSLError: fail(.tls(String(describing: error)))
        case let error as BoringSSLError: fail(.tls(String(describing: error)))
        case let error as NIOSSLExtraError: fail(.tls(String(describing: error)))
        default: fail(.closed)
        }
    }

    /// Fails every waiting promise and closes the channel; later requests fail at once.
    private func fail(_ error: SMTPTransportError) {
        if failure == nil { failure = error }
        timer?.cancel()
        timer = nil
        let promises = waiting
        waiting.removeAll()
        for promise in promises { promise.fail(failure ?? error) }
        if let context, context.channel.isActive { context.close(promise: nil) }
    }
}
