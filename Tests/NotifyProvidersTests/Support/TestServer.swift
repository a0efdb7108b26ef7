import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A request as the test server received it.
struct RecordedRequest: Sendable {
    var method: String
    var path: String
    var query: String
    /// Header names lowercased; repeated headers joined with ", ".
    var headers: [String: String]
    var body: [UInt8]

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// What the test server answers.
struct CannedResponse: Sendable {
    var status: Int
    var headers: [String: String] = [:]
    var body: String = ""
    /// When set, the body is written but not finished until this returns (a stalled answer).
    var holdBody: (@Sendable () async -> Void)? = nil
}

/// Records requests in arrival order.
final class Recorder: Sendable {
    private let requests = Mutex<[RecordedRequest]>([])
    func append(_ request: RecordedRequest) { requests.withLock { $0.append(request) } }
    var all: [RecordedRequest] { requests.withLock { $0 } }
}

/// A Hummingbird server on 127.0.0.1, port 0, answering every request with `respond`.
enum TestServer {
    static func with<T: Sendable>(
        respond: @escaping @Sendable (RecordedRequest) async -> CannedResponse,
        _ body: @Sendable (_ baseURL: String, _ recorder: Recorder) async throws -> T
    ) async throws -> T {
        let recorder = Recorder()
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test-server")
        logger.logLevel = .critical
        let app = Application(
            responder: CatchAll(recorder: recorder, respond: respond),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var port = 0
            for await value in ports { port = value }
            defer { group.cancelAll() }
            return try await body("http://127.0.0.1:\(port)", recorder)
        }
    }

    private struct CatchAll: HTTPResponder {
        typealias Context = BasicRequestContext
        let recorder: Recorder
        let respond: @Sendable (RecordedRequest) async -> CannedResponse

        func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
            var request = request
            let buffer = try await request.collectBody(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers {
                let name = field.name.canonicalName
                headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
            }
            let recorded = RecordedRequest(
                method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
                headers: headers, body: Array(buffer.readableBytesView))
            recorder.append(recorded)
            let canned = await respond(recorded)
            var fields = HTTPFields()
            for (name, value) in canned.headers {
                if let name = HTTPFields.Element.Name(name) { fields[name] = value }
            }
            guard let hold = canned.holdBody else {
                return Response(
                    status: .init(code: canned.status), headers: fields,
                    body: ResponseBody(byteBuffer: ByteBuffer(string: canned.body)))
            }
            return Response(
                status: .init(code: canned.status), headers: fields,
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: canned.body))
                    await hold()
                    try await writer.finish(nil)
                })
        }
    }
}
