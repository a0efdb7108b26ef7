import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Testing

@testable import NotifyAPI

/// A request that fails with a database error is logged by ``ProblemMiddleware`` without personal
/// data: the route's pattern rather than its path (a path names users), and the error without the
/// failing row that PostgreSQL's `detail` quotes.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ProblemLogTests {
    static let address = "ada.lovelace@example.org"

    struct Served {
        var status: Int
        var body: String
        var failures: [String]
    }

    /// Serves `PUT /v1/people/{email}`, which inserts the email into a table whose CHECK refuses
    /// anything of 5 characters or more, through ``ProblemMiddleware``; answers the PUT of `path`
    /// and the `request failed` lines logged.
    static func put(_ path: String) async throws -> Served {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "problem-log-test") { label in
            TextLogHandler(label: label, level: .info, output: { line in lines.withLock { $0.append(line) } })
        }
        logger.logLevel = .info
        let appLogger = logger
        let url = try await TestCluster.freshDatabase()
        return try await TestCluster.withClient(url) { client in
            try await client.query(
                "CREATE TABLE people (email text NOT NULL CHECK (length(email) < 5))", logger: TestCluster.logger)
            let router = Router(context: APIRequestContext.self)
            router.add(middleware: ProblemMiddleware())
            router.put("v1/people/{email}") { _, context -> Response in
                let email = context.parameters.get("email")?.removingPercentEncoding ?? ""
                try await client.query("INSERT INTO people VALUES (\(email))", logger: TestCluster.logger)
                return Response(status: .noContent)
            }
            let port = Mutex<Int?>(nil)
            let app = Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }, logger: appLogger)
            let group = ServiceGroup(services: [app], logger: TestCluster.logger)
            // Unstructured so the request below runs while the server does; joined below.
            let serving = Task { try await group.run() }
            defer { serving.cancel() }
            guard await eventually(timeout: .seconds(30), { port.withLock { $0 } != nil }) else {
                throw CancellationError()
            }
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port.withLock { $0! })\(path)")
            request.method = .PUT
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
            await group.triggerGracefulShutdown()
            try await serving.value
            return Served(
                status: Int(response.status.code), body: body,
                failures: lines.withLock { $0 }.filter { $0.contains("request failed") })
        }
    }

    @Test func aFailedRequestIsLoggedWithoutTheRowOrThePath() async throws {
        let served = try await Self.put("/v1/people/\(Self.address)")
        #expect(served.status == 500)
        #expect(served.body.contains("\"internal_error\""))
        #expect(!served.body.contains("Failing row"))
        #expect(served.failures.count == 1)
        for line in served.failures {
            #expect(!line.contains("ada.lovelace"), "\(line)")
            #expect(line.contains("route=PUT /v1/people/{email}"), "\(line)")
            #expect(line.contains("sqlState: 23514"), "\(line)")
            #expect(line.contains("constraint: people_email_check"), "\(line)")
        }
    }

    @Test func aTextPostgreSQLCannotStoreIsTheCallersMistake() async throws {
        let served = try await Self.put("/v1/people/a%00b")
        #expect(served.status == 400)
        #expect(served.body.contains("\"invalid_text\""))
        #expect(served.failures.isEmpty)
    }
}
