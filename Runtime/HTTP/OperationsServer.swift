import Hummingbird
import Logging
import NotifyRuntime
import PostgresNIO
import Prometheus

/// The operations listener of a process: `/healthz`, `/readyz` and `/metrics`.
///
/// `/healthz` answers 200 while the process runs. `/readyz` answers 200 when the database
/// answers within two seconds and the process is not shutting down, else 503 with the reason. `/metrics` is the
/// Prometheus text exposition of every swift-metrics metric of the process.
public struct OperationsServer: Sendable {
    let client: PostgresClient
    let registry: PrometheusCollectorRegistry
    let isDraining: @Sendable () -> Bool
    let logger: Logger

    /// Creates the routes' dependencies.
    public init(
        client: PostgresClient, registry: PrometheusCollectorRegistry, isDraining: @escaping @Sendable () -> Bool,
        logger: Logger
    ) {
        self.client = client
        self.registry = registry
        self.isDraining = isDraining
        self.logger = logger
    }

    /// Adds the operations routes to a router.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            if isDraining() {
                return Self.text("shutting down\n", status: .serviceUnavailable)
            }
            return await Self.databaseAnswers(client, within: Self.readinessDeadline, logger: logger)
                ? Self.text("ready\n", status: .ok)
                : Self.text("database unavailable\n", status: .serviceUnavailable)
        }
        router.get("/metrics") { _, _ -> Response in
            let bytes = registry.emitToBuffer()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    /// How long `/readyz` waits for the database: a probe's own timeout is usually a few seconds,
    /// and a pool that cannot connect would otherwise hold the answer for its minute of retries.
    static let readinessDeadline: Duration = .seconds(2)

    /// Whether `SELECT 1` comes back within `deadline`.
    ///
    /// The answer does not wait for the query: a query already sent to a server that stopped
    /// answering (a frozen host, a stopped backend) does not end when its task is cancelled, so a
    /// task group, which waits for all its tasks, would hold the probe as long as the server. The
    /// query's task is cancelled and left to end with its connection.
    static func databaseAnswers(_ client: PostgresClient, within deadline: Duration, logger: Logger) async -> Bool {
        let (answers, answer) = AsyncStream<Bool>.makeStream(bufferingPolicy: .bufferingOldest(1))
        let query = Task {
            do {
                try await client.query("SELECT 1", logger: logger)
                answer.yield(true)
            } catch {
                answer.yield(false)
            }
        }
        let timer = Task {
            try? await Task.sleep(for: deadline)
            answer.yield(false)
        }
        var first = answers.makeAsyncIterator()
        let answered = await first.next() ?? false
        answer.finish()
        query.cancel()
        timer.cancel()
        return answered
    }

    /// A Hummingbird application serving only the operations routes on `host:port`.
    public func application(host: String, port: Int) -> some ApplicationProtocol {
        let router = Router()
        addRoutes(to: router)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "notify"),
            logger: logger)
    }

    static func text(_ body: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
