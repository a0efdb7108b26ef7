import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NotifyAPI
import NotifyFunctionKit
import NotifyHTTP
import NotifyModel
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import Prometheus
import ScheduleTickFunction
import ServiceLifecycle
import StatusEventsFunction
import Synchronization

/// One test's engine: its own database, the HTTP API and a webhook receiver on loopback ports, a
/// worker running `deliver-status-events` and the scheduler leader ticking every 100 ms.
struct StatusEngine: Sendable {
    let runtime: TestRuntime
    let baseURL: String
    let receiverURL: String
    let receiver: Receiver

    static let cipher = ContactCipher.derivedForDevelopment(seed: "status-event-tests")

    static var catalog: FunctionCatalog {
        var catalog = FunctionCatalog()
        catalog.register(ScheduleTickFunction())
        catalog.register(StatusEventsFunction(cipher: cipher, httpClient: HTTPClient.shared))
        return catalog
    }

    static func with<T: Sendable>(_ body: @Sendable (StatusEngine) async throws -> T) async throws -> T {
        try await TestRuntime.with(catalog: catalog) { runtime in
            let hub = InboxHub(databaseURL: runtime.url, logger: runtime.logger)
            let dependencies = APIDependencies(
                client: runtime.client, producer: runtime.producer, cipher: cipher,
                hasher: LookupHasher.derivedForDevelopment(seed: "status-event-tests"),
                tokens: await AccessTokenIssuer(signingKey: Array(repeating: 7, count: 32)), inbox: hub,
                logger: runtime.logger)
            let operations = OperationsServer(
                client: runtime.client, registry: PrometheusCollectorRegistry(), isDraining: { false },
                logger: runtime.logger)
            let apiPort = Mutex<Int?>(nil)
            let receiverPort = Mutex<Int?>(nil)
            let api = APIServer(dependencies: dependencies, operations: operations).application(
                host: "127.0.0.1", port: 0, logger: runtime.logger,
                onServerRunning: { bound in apiPort.withLock { $0 = bound } })
            let receiver = Receiver()
            let receiverApp = Application(
                router: receiver.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { channel in receiverPort.withLock { $0 = channel.localAddress?.port } },
                logger: runtime.logger)
            var configuration = WorkerConfiguration(workerID: "status-event-test")
            configuration.pollInterval = .milliseconds(100)
            let worker = runtime.startWorker(
                configuration, catalog: try catalog.restricted(to: ["deliver-status-events"]))
            let leader = runtime.startLeader(tick: catalog.entry("schedule-tick")!)
            var groupConfiguration = ServiceGroupConfiguration(
                services: [.init(service: api), .init(service: receiverApp), .init(service: hub)],
                logger: runtime.logger)
            groupConfiguration.maximumGracefulShutdownDuration = .seconds(15)
            let group = ServiceGroup(configuration: groupConfiguration)
            // Unstructured so the test body runs while the servers do; joined below.
            let serving = Task { try await group.run() }
            defer { serving.cancel() }
            let started = await eventually {
                apiPort.withLock { $0 } != nil && receiverPort.withLock { $0 } != nil
            }
            guard started else { throw TestFailure("the API or the receiver did not start") }
            let engine = StatusEngine(
                runtime: runtime, baseURL: "http://127.0.0.1:\(apiPort.withLock { $0! })",
                receiverURL: "http://127.0.0.1:\(receiverPort.withLock { $0! })", receiver: receiver)
            let result: Result<T, any Error>
            do { result = .success(try await body(engine)) } catch { result = .failure(error) }
            await group.triggerGracefulShutdown()
            try? await serving.value
            try? await leader.shutdown()
            try await worker.shutdown()
            return try result.get()
        }
    }

    // MARK: Tenants and events

    /// Creates a tenant and returns its API key.
    func tenant(_ id: String) async throws -> String {
        let admin = TenantAdmin(client: runtime.client, logger: runtime.logger)
        _ = try await admin.createTenant(id: id, name: id)
        return try await admin.createKey(tenantID: id, name: "test").plaintext
    }

    /// Records events of `kinds` for `tenant`, as the pipeline does, and returns their ids in order.
    @discardableResult
    func record(_ tenant: String, _ kinds: [String]) async throws -> [Int64] {
        try await runtime.rows(
            """
            INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
            SELECT \(tenant), gen_random_uuid(), u.n, u.k, jsonb_build_object('channel', 'email')
            FROM unnest(\(kinds)::text[]) WITH ORDINALITY AS u(k, n) ORDER BY u.n
            RETURNING id
            """
        ).map { try $0.decode(Int64.self) }.sorted()
    }

    /// Creates a subscription; returns its id and secret.
    func subscribe(_ key: String, hook: String, kinds: [String]? = nil) async throws -> (id: String, secret: String) {
        var body: [String: Any] = ["url": "\(receiverURL)/hooks/\(hook)"]
        if let kinds { body["kinds"] = kinds }
        let reply = try await send(.POST, "/v1/event-subscriptions", key, body)
        try reply.expect(201)
        return (reply.json["id"] as! String, reply.json["secret"] as! String)
    }

    // MARK: HTTP

    struct Reply: Sendable {
        let status: Int
        let body: Data

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }

        func expect(_ expected: Int) throws {
            guard status == expected else { throw TestFailure("expected HTTP \(expected), got \(status): \(text)") }
        }
    }

    func send(_ method: HTTPMethod, _ path: String, _ key: String, _ json: Any? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), body: Data(bytes.readableBytesView))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
