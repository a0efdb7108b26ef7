import AsyncHTTPClient
import CampaignFunction
import DigestCloseFunction
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NotifyAPI
import NotifyDelivery
import NotifyFunctionKit
import NotifyHTTP
import NotifyModel
import NotifyPrivateCluster
import NotifyProviders
import NotifyRuntime
import NotifySandbox
import NotifyTestSupport
import PostgresNIO
import PreferenceFilterFunction
import Prometheus
import RenderFunction
import ScheduleTickFunction
import SendEmailFunction
import SendInAppFunction
import SendPushFunction
import SendSMSFunction
import SendWebhookFunction
import ServiceLifecycle
import Synchronization
import ValidateFunction
import WebhookIngestFunction

/// The whole engine in this process for one test: its own database, a worker running the pipeline's
/// functions, the scheduler leader, and the HTTP API on a free loopback port, talked to over real
/// HTTP.
struct Engine: Sendable {
    let runtime: TestRuntime
    let baseURL: String
    let clock: ManualClock?
    let dependencies: APIDependencies
    /// The provider sandbox, when the engine was started with one.
    let sandbox: ProviderSandbox?

    static let cipher = ContactCipher.derivedForDevelopment(seed: "pipeline-tests")
    static let hasher = LookupHasher.derivedForDevelopment(seed: "pipeline-tests")
    static let tokenKey: [UInt8] = Array(repeating: 7, count: 32)

    static var catalog: FunctionCatalog { catalog(publicURL: nil) }

    /// The pipeline's functions; with a public URL, also the senders (on the standard provider
    /// clients, fast retries and a quick circuit) and webhook-ingest.
    static func catalog(publicURL: String?) -> FunctionCatalog {
        var catalog = FunctionCatalog()
        catalog.register(ValidateFunction())
        catalog.register(PreferenceFilterFunction())
        catalog.register(CampaignExpandFunction())
        catalog.register(CampaignReleaseFunction())
        catalog.register(RenderFunction())
        catalog.register(SendInAppFunction())
        catalog.register(ScheduleTickFunction())
        catalog.register(DigestCloseFunction())
        if let publicURL {
            let sendSettings = SendSettings(
                requestTimeout: .seconds(3), maxAttempts: 6, publicURL: publicURL, retryBase: .milliseconds(100),
                retryCap: .milliseconds(500))
            let breaker = CircuitBreaker(failureThreshold: 3, openDuration: .milliseconds(500))
            let engine = SendEngine(
                pool: ProviderPool(factory: StandardProviderFactory(httpClient: HTTPClient.shared), cipher: cipher),
                cipher: cipher, hasher: hasher, breaker: breaker, settings: sendSettings,
                unsubscribeKey: UnsubscribeToken.key(fromTokenKey: tokenKey))
            catalog.register(SendEmailFunction(engine: engine))
            catalog.register(SendSMSFunction(engine: engine))
            catalog.register(SendPushFunction(engine: engine))
            catalog.register(SendWebhookFunction(engine: engine))
            catalog.register(
                WebhookIngestFunction(
                    hasher: hasher, maxAttempts: sendSettings.maxAttempts, retry: sendSettings.retryPolicy,
                    circuitOpenFor: breaker.openDuration))
        }
        return catalog
    }

    /// The functions the test worker runs.
    static let queuedNames = [
        "validate", "preference-filter", "render", "send-inapp", "send-email", "send-sms", "send-push", "send-webhook",
        "webhook-ingest", "campaign-expand", "campaign-release", "digest-close",
    ]

    /// Runs `body` with a running engine; `clock` replaces the wall clock functions see. With
    /// `sandbox`, a provider sandbox runs beside it, its callbacks addressed to accounts named
    /// `sbx-<provider>`.
    static func with<T: Sendable>(
        clock: ManualClock? = nil, leader: Bool = false, sandbox sandboxConfiguration: SandboxConfiguration? = nil,
        inboxOrigins: InboxOrigins = .any, inboxRequestsPerSecond: Int = 1_000,
        _ body: @Sendable (Engine) async throws -> T
    ) async throws -> T {
        let apiPort = sandboxConfiguration == nil ? 0 : try LoopbackPort.pickFree()
        let publicURL = sandboxConfiguration == nil ? nil : "http://127.0.0.1:\(apiPort)"
        let catalog = catalog(publicURL: publicURL)
        return try await TestRuntime.with(catalog: catalog) { runtime in
            var sandbox: ProviderSandbox?
            if var configuration = sandboxConfiguration, let publicURL {
                configuration.callbackURLs = [
                    .twilio: "\(publicURL)/webhooks/twilio/sbx-twilio",
                    .vonage: "\(publicURL)/webhooks/vonage/sbx-vonage",
                    .sendgrid: "\(publicURL)/webhooks/sendgrid/sbx-sendgrid",
                ]
                sandbox = try ProviderSandbox(configuration: configuration, logger: runtime.logger)
            }
            let hub = InboxHub(databaseURL: runtime.url, logger: runtime.logger)
            let dependencies = APIDependencies(
                client: runtime.client, producer: runtime.producer, cipher: cipher, hasher: hasher,
                tokens: await AccessTokenIssuer(signingKey: tokenKey), inbox: hub, logger: runtime.logger,
                providerFactory: StandardProviderFactory(httpClient: HTTPClient.shared), publicURL: publicURL,
                unsubscribeKey: UnsubscribeToken.key(fromTokenKey: tokenKey),
                inboxRequestsPerSecond: inboxRequestsPerSecond)
            let operations = OperationsServer(
                client: runtime.client, registry: PrometheusCollectorRegistry(), isDraining: { false },
                logger: runtime.logger)
            let port = Mutex<Int?>(nil)
            let app = APIServer(dependencies: dependencies, operations: operations, inboxOrigins: inboxOrigins)
                .application(
                    host: "127.0.0.1", port: apiPort, logger: runtime.logger,
                    onServerRunning: { bound in port.withLock { $0 = bound } })
            let queued = try catalog.restricted(to: queuedNames.filter { catalog.entry(named: $0) != nil })
            var configuration = WorkerConfiguration(workerID: "pipeline-test")
            configuration.pollInterval = .milliseconds(200)
            if let clock { configuration.clock = clock }
            let worker = runtime.startWorker(configuration, catalog: queued)
            let leaderService = leader ? runtime.startLeader(tick: catalog.entry("schedule-tick")!) : nil
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
            if let sandbox { services.append(.init(service: sandbox)) }
            services += [.init(service: app), .init(service: hub)]
            var groupConfiguration = ServiceGroupConfiguration(services: services, logger: runtime.logger)
            // A server that cannot stop gracefully fails the test instead of hanging the run.
            groupConfiguration.maximumGracefulShutdownDuration = .seconds(15)
            let group = ServiceGroup(configuration: groupConfiguration)
            // Unstructured so the test body runs while the server does; joined below.
            let serving = Task { try await group.run() }
            defer { serving.cancel() }
            guard await eventually(timeout: .seconds(30), { port.withLock { $0 } != nil }) else {
                throw EngineError("the API did not start")
            }
            if let sandbox { _ = try await sandbox.endpoints() }
            let engine = Engine(
                runtime: runtime, baseURL: "http://127.0.0.1:\(port.withLock { $0! })", clock: clock,
                dependencies: dependencies, sandbox: sandbox)
            let result: Result<T, any Error>
            do { result = .success(try await body(engine)) } catch { result = .failure(error) }
            await group.triggerGracefulShutdown()
            var served: Result<Void, any Error> = .success(())
            do { try await serving.value } catch { served = .failure(error) }
            try? await leaderService?.shutdown()
            try await worker.shutdown()
            if case .failure(let error) = served {
                throw EngineError("the API did not shut down gracefully: \(error)")
            }
            return try result.get()
        }
    }

    // MARK: Tenants

    /// A tenant with an API key, a user `ada`, a category `welcome` and an active English in-app
    /// template `Hello {{name}}`.
    struct Tenant: Sendable {
        let id: String
        let key: String
        let inboxSecret: [UInt8]
    }

    func tenant(_ id: String = "acme", seed: Bool = true) async throws -> Tenant {
        let admin = TenantAdmin(client: runtime.client, logger: runtime.logger)
        let secret = try await admin.createTenant(id: id, name: id)
        let key = try await admin.createKey(tenantID: id, name: "test").plaintext
        let tenant = Tenant(id: id, key: key, inboxSecret: Array(hexBytes: secret))
        if seed {
            try await expect(put("/v1/users/ada", tenant, ["locale": "en", "timezone": "Europe/Berlin"]), [201])
            try await expect(
                put("/v1/categories/welcome", tenant, ["kind": "transactional", "default_channels": ["inapp"]]), [201])
            try await expect(
                post(
                    "/v1/templates/welcome/inapp/en/versions?activate=true", tenant,
                    ["title": "Hello {{name}}", "body": "Welcome aboard"]), [201])
        }
        return tenant
    }

    // MARK: HTTP

    struct Reply: Sendable {
        let status: Int
        let headers: [String: String]
        let body: Data

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func request(
        _ method: HTTPMethod, _ path: String, headers: [String: String] = [:], body: Data? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            if !headers.keys.contains(where: { $0.lowercased() == "content-type" }) {
                request.headers.add(name: "Content-Type", value: "application/json")
            }
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        return Reply(status: Int(response.status.code), headers: fields, body: Data(buffer: bytes))
    }

    func send(
        _ method: HTTPMethod, _ path: String, _ tenant: Tenant?, _ json: Any?, headers: [String: String] = [:]
    )
        async throws -> Reply
    {
        var all = headers
        if let tenant { all["Authorization"] = "Bearer \(tenant.key)" }
        let body = try json.map { try JSONSerialization.data(withJSONObject: $0) }
        return try await request(method, path, headers: all, body: body)
    }

    func get(_ path: String, _ tenant: Tenant?) async throws -> Reply { try await send(.GET, path, tenant, nil) }
    func post(
        _ path: String, _ tenant: Tenant?, _ json: Any? = nil, headers: [String: String] = [:]
    ) async throws
        -> Reply
    { try await send(.POST, path, tenant, json, headers: headers) }
    func put(_ path: String, _ tenant: Tenant?, _ json: Any) async throws -> Reply {
        try await send(.PUT, path, tenant, json)
    }
    func delete(_ path: String, _ tenant: Tenant?) async throws -> Reply { try await send(.DELETE, path, tenant, nil) }

    /// Creates the tenant's critical in-app category `otp` through the API.
    func criticalCategory(_ tenant: Tenant) async throws {
        try expect(
            try await put(
                "/v1/categories/otp", tenant,
                ["kind": "transactional", "critical": true, "default_channels": ["inapp"]]),
            [201])
    }

    /// Inbox headers for a user of a tenant.
    func inboxHeaders(_ tenant: Tenant, user: String) -> [String: String] {
        [
            "X-Notify-Tenant": tenant.id, "X-Notify-User": user,
            "X-Notify-Signature": InboxSignature.sign(userID: user, secret: tenant.inboxSecret),
        ]
    }

    func inbox(_ tenant: Tenant, user: String = "ada") async throws -> [[String: Any]] {
        let reply = try await request(.GET, "/v1/inbox?limit=100", headers: inboxHeaders(tenant, user: user))
        try expect(reply, [200])
        return reply.json["items"] as? [[String: Any]] ?? []
    }

    /// Sends a notification and returns its id.
    func notify(_ tenant: Tenant, _ json: [String: Any], headers: [String: String] = [:]) async throws -> String {
        let reply = try await post("/v1/notifications", tenant, json, headers: headers)
        try expect(reply, [202])
        return reply.json["id"] as! String
    }

    /// Waits until the notification's deliveries all left the pipeline's working states.
    func settled(_ tenant: Tenant, _ id: String, timeout: Duration = .seconds(20)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        var last: [String: Any] = [:]
        let working: Set<String> = ["pending", "rendered", "sending"]
        while ContinuousClock.now < deadline {
            last = try await get("/v1/notifications/\(id)", tenant).json
            if let status = last["status"] as? String, !["accepted", "scheduled", "processing"].contains(status) {
                let channels = last["channels"] as? [String: [String: Int]] ?? [:]
                if channels.values.allSatisfy({ $0.keys.allSatisfy { !working.contains($0) } }) { return last }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw EngineError("notification \(id) did not settle: \(last)")
    }

    /// The kinds of a notification's timeline events, in order.
    func timelineKinds(_ view: [String: Any]) -> [String] {
        (view["timeline"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
    }

    /// The `reason`s in a notification's timeline events' details, in order.
    func timelineReasons(_ view: [String: Any]) -> [String] {
        (view["timeline"] as? [[String: Any]] ?? []).compactMap {
            ($0["detail"] as? [String: Any])?["reason"] as? String
        }
    }
}

@discardableResult
func expect(_ reply: Engine.Reply, _ statuses: Set<Int>) throws -> Engine.Reply {
    guard statuses.contains(reply.status) else {
        throw EngineError("expected HTTP \(statuses.sorted()) but got \(reply.status): \(reply.text)")
    }
    return reply
}

struct EngineError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Array where Element == UInt8 {
    init(hexBytes hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            if let byte = UInt8(hex[index..<next], radix: 16) { bytes.append(byte) }
            index = next
        }
        self = bytes
    }
}

extension Data {
    init(buffer: ByteBuffer) { self = Data(buffer.readableBytesView) }
}
