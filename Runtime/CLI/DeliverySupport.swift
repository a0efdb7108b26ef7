import AsyncHTTPClient
import Foundation
import NotifyDelivery
import NotifyModel

/// What the senders and `webhook-ingest` share in one process: the send engine (provider clients,
/// circuit breaker, rate limiter) and the lookup hasher.
///
/// Configuration (environment): `NOTIFY_PUBLIC_URL`, `NOTIFY_SEND_TIMEOUT_MS` (default 10000),
/// `NOTIFY_SEND_CONCURRENCY` (default 64), `NOTIFY_SEND_MAX_ATTEMPTS` (default 8), `NOTIFY_SEND_CHUNK`
/// (default 32),
/// `NOTIFY_CIRCUIT_FAILURES` (default 5), `NOTIFY_CIRCUIT_OPEN_MS` (default 15000), plus the
/// keys of ``EngineSecrets``.
struct DeliverySupport: Sendable {
    let engine: SendEngine
    let hasher: LookupHasher
    let factory: StandardProviderFactory
    /// Opens event subscriptions' signing secrets (`deliver-status-events`).
    let cipher: ContactCipher
    /// The senders' attempts and backoff, which `webhook-ingest` follows when a callback reports
    /// a transient failure.
    let sendSettings: SendSettings
    /// The senders' circuit breaker, whose open duration `webhook-ingest` uses for a suspended account.
    let breaker: CircuitBreaker

    /// `publicURL` is used when `NOTIFY_PUBLIC_URL` is not set (`notify dev` passes its own address).
    init(secrets: EngineSecrets, environment: CommandEnvironment, publicURL fallbackURL: String? = nil) {
        let settings = SendSettings(
            requestTimeout: .milliseconds(environment.int("notify.send.timeout.ms", default: 10_000, minimum: 1)),
            concurrency: environment.int("notify.send.concurrency", default: 64, minimum: 1),
            maxAttempts: environment.int("notify.send.max.attempts", default: 8, minimum: 1),
            publicURL: environment.url("notify.public.url") ?? fallbackURL,
            chunkSize: environment.int("notify.send.chunk", default: 32, minimum: 1))
        let breaker = CircuitBreaker(
            failureThreshold: environment.int("notify.circuit.failures", default: 5, minimum: 1),
            openDuration: .milliseconds(environment.int("notify.circuit.open.ms", default: 15_000, minimum: 1)))
        factory = StandardProviderFactory(httpClient: Self.providerHTTPClient)
        engine = SendEngine(
            pool: ProviderPool(factory: factory, cipher: secrets.cipher), cipher: secrets.cipher,
            hasher: secrets.hasher,
            breaker: breaker, settings: settings, unsubscribeKey: UnsubscribeToken.key(fromTokenKey: secrets.tokenKey))
        hasher = secrets.hasher
        cipher = secrets.cipher
        sendSettings = settings
        self.breaker = breaker
    }

    /// The process's client for provider requests: unlike `HTTPClient.shared` (8 connections per
    /// host) it keeps up to `NOTIFY_PROVIDER_CONNECTIONS` (default 512) HTTP/1.1 connections per
    /// provider host, so slow providers are carried by concurrency. It lives as long as the process.
    static let providerHTTPClient: HTTPClient = {
        let connections = Int(ProcessInfo.processInfo.environment["NOTIFY_PROVIDER_CONNECTIONS"] ?? "") ?? 512
        return HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: providerClientConfiguration(connectionsPerHost: max(connections, 1)))
    }()

    /// The settings of a client for provider requests (the benchmarks' clients use them too): up to
    /// `connectionsPerHost` HTTP/1.1 connections per host, idle for up to a minute, and no tracing
    /// spans. The process bootstraps no tracer, and the client's no-op spans (started, given the
    /// request's attributes and ended for every request) were 0.6 % of the engine's samples in the
    /// SMS benchmark.
    static func providerClientConfiguration(connectionsPerHost: Int) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        configuration.tracing.tracer = nil
        return configuration
    }

    /// The support a command needs to run `names` (all functions when nil): built from the keys
    /// when any of them sends or ingests, else nil. Fails with the keys' sentence when they are
    /// needed and missing.
    static func required(
        for names: [String]?, environment: CommandEnvironment
    ) throws -> DeliverySupport? {
        if let names, Set(names).isDisjoint(with: FunctionDirectory.deliveryFunctions) { return nil }
        let secrets = try EngineSecrets.load(environment, allowDevelopmentSeed: environment.databaseURLString == nil)
        return DeliverySupport(secrets: secrets, environment: environment)
    }
}
