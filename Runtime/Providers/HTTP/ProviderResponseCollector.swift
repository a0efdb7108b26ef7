import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// Collects one provider answer for ``HTTPExchange``: notes when the request head went out (from
/// then on the provider may act on the request), keeps the status and headers, and keeps the body
/// up to a limit. A larger body is read to its end and kept as empty: provider answers are small,
/// and the status and headers still classify it.
final class ProviderResponseCollector: HTTPClientResponseDelegate {
    typealias Response = ProviderHTTPResponse

    private struct State {
        var requestSent = false
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        var tooLarge = false
    }

    private let state = Mutex(State())
    private let limit: Int

    /// Creates a collector that keeps at most `limit` bytes of body.
    init(limit: Int) {
        self.limit = limit
    }

    /// Whether the request head was written: a failure after it is an unknown outcome.
    var requestSent: Bool { state.withLock { $0.requestSent } }

    /// The answer's status and headers with an empty body, once they arrived.
    var headOnly: ProviderHTTPResponse? {
        state.withLock { state in
            state.head.map { ProviderHTTPResponse(status: Int($0.status.code), headers: $0.headers) }
        }
    }

    func didSendRequestHead(task: HTTPClient.Task<Response>, _ head: HTTPRequestHead) {
        state.withLock { $0.requestSent = true }
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        state.withLock { $0.head = head }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        state.withLock { state in
            guard !state.tooLarge else { return }
            if state.body.count + buffer.readableBytes > limit {
                state.tooLarge = true
                state.body = []
            } else {
                state.body.append(contentsOf: buffer.readableBytesView)
            }
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> ProviderHTTPResponse {
        try state.withLock { state in
            guard let head = state.head else { throw HTTPClientError.remoteConnectionClosed }
            return ProviderHTTPResponse(status: Int(head.status.code), headers: head.headers, body: state.body)
        }
    }
}
