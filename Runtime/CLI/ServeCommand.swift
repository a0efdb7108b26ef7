import ArgumentParser
import Foundation
import NotifyHTTP
import NotifyRuntime
import PostgresNIO
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract:
            "Serve the HTTP API (producers, tenants' resources, the inbox and its live stream) without running jobs.",
        discussion: """
            Deploy it beside `notify work` processes; it only records notifications and enqueues \
            their validation. Needs DATABASE_URL and the keys NOTIFY_ENCRYPTION_KEYS, \
            NOTIFY_LOOKUP_KEY and NOTIFY_TOKEN_KEY (see `notify keys generate`).
            """)

    @Option(help: "HTTP port.") var port = 8080
    @Option(help: "HTTP address.") var host = "127.0.0.1"

    func validate() throws {
        try PortOption.check("--port", port)
    }

    /// How long the server has to finish its requests once asked to stop (see ``ShutdownDeadline``).
    static let stopLimit: Duration = .seconds(30)

    func run() async throws {
        let environment = CommandEnvironment()
        let inboxOrigins = environment.inboxOrigins()
        let inboxRequestsPerSecond = environment.int("notify.inbox.requests_per_second", default: 10, minimum: 1)
        let url = try environment.resolveDatabase()
        let secrets = try EngineSecrets.load(environment, allowDevelopmentSeed: environment.databaseURLString == nil)
        let logger = environment.logger
        let client = PostgresClient(configuration: url.clientConfiguration(applicationName: "notify-api"))
        let producer = JobProducer(client: client, catalog: FunctionDirectory.all, logger: logger)
        let operations = OperationsServer(
            client: client, registry: CommandEnvironment.metricsRegistry, isDraining: { false }, logger: logger)
        let api = await APIStack(
            url: url, client: client, producer: producer, secrets: secrets, operations: operations,
            publicURL: environment.url("notify.public.url"), inboxOrigins: inboxOrigins,
            inboxRequestsPerSecond: inboxRequestsPerSecond, logger: logger)
        let signals = await ShutdownDeadline.trap()
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    // Reverse order on shutdown: the hub ends live inbox streams before the server waits on them.
                    .init(
                        service: api.server.application(
                            host: host, port: port, logger: logger,
                            onServerRunning: { bound in
                                // Said once listening: a port in use ends the command before.
                                logger.info(
                                    "notify serve is up", metadata: ["http": "http://\(host):\(bound)/openapi.json"])
                            })),
                    .init(service: api.inbox),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger))
        // The pool outlives the services (see `PostgresClient.whileRunning`).
        try await ShutdownDeadline(limit: Self.stopLimit, logger: logger).run(signals: signals) {
            try await client.whileRunning { try await group.run() }
        }
    }
}
