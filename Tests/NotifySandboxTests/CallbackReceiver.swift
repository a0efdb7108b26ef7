import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A stand-in for the engine's `/webhooks/{provider}` endpoints: records every callback and can
/// refuse the first few with 500 to exercise the sandbox's retries.
final class CallbackReceiver: Sendable {
    struct Received: Sendable {
        var path: String
        var query: String?
        var headers: [String: String]
        var body: Data
    }

    private let received = Mutex<[Received]>([])
    private let refusalsLeft: Mutex<Int>
    private let base = Mutex("")

    /// `http://127.0.0.1:{port}`, once running.
    var baseURL: String { base.withLock { $0 } }

    init(refuseFirst: Int = 0) {
        refusalsLeft = Mutex(refuseFirst)
    }

    /// Everything received (including refused attempts) whose path ends with `suffix`; header
    /// names are lowercase.
    func requests(_ suffix: String) -> [Received] {
        received.withLock { $0.filter { $0.path.hasSuffix(suffix) } }
    }

    /// Runs the receiver around `body`, then shuts it down.
    static func run(refuseFirst: Int = 0, _ body: (CallbackReceiver) async throws -> Void) async throws {
        let receiver = CallbackReceiver(refuseFirst: refuseFirst)
        let router = Router()
        router.post("/webhooks/:provider") { request, _ -> Response in
            var request = request
            let bytes = try await request.collectBody(upTo: 1 << 22)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            receiver.received.withLock {
                $0.append(
                    Received(
                        path: request.uri.path, query: request.uri.query, headers: headers, body: Data(buffer: bytes)))
            }
            let refuse = receiver.refusalsLeft.withLock { left in
                defer { left = max(0, left - 1) }
                return left > 0
            }
            return Response(status: refuse ? .internalServerError : .ok)
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
            logger: SandboxHarness.logger)
        let group = ServiceGroup(services: [app], logger: SandboxHarness.logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            receiver.base.withLock { $0 = "http://127.0.0.1:\(port)" }
            do {
                try await body(receiver)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
