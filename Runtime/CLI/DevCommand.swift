import ArgumentParser
import Foundation
import Logging
import NotifyPrivateCluster
import NotifyProviders
import NotifyRuntime
import NotifySandbox

struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run the whole system in one process, for a laptop.",
        discussion: """
            Runs every function, the scheduler leader and the HTTP API (with /healthz, /readyz, /metrics). \
            It also seeds a demo tenant (id "demo", a user "demo-user", a category "welcome" with an \
            in-app template) and writes its API key and the user's inbox signature to .notify/demo.env. \
            With the provider sandbox (on by default) the demo tenant also gets provider accounts for \
            every sandbox provider, routes for SMS, email, push and webhooks, contact points and \
            devices for demo-user, and categories "otp" (SMS), "news" (marketing email) and "alert" \
            (push, falling back to SMS); `notify sandbox messages` lists what the providers received. \
            Without DATABASE_URL it starts a private PostgreSQL from the installed server binaries, \
            with its data in .notify/pgdata (kept between runs), and stops it on exit (Ctrl-C). \
            Other commands run in this folder (notify queues, notify dead list) find that cluster.
            """)

    @OptionGroup var workerOptions: WorkerOptions

    @Option(help: "HTTP port for the API, /healthz, /readyz and /metrics.")
    var port = 8080

    @Option(help: "HTTP address.")
    var host = "127.0.0.1"

    @Flag(
        inversion: .prefixedNo,
        help:
            "Run the provider sandbox (Twilio, Vonage, SendGrid, SMTP, FCM, APNs on loopback) and route the demo tenant through it."
    )
    var sandbox = true

    @Option(
        help:
            "Sandbox HTTP port (providers and its control API); its URL goes to .notify/sandbox-url for `notify sandbox messages`."
    )
    var sandboxPort = 4010

    @Option(help: "Sandbox APNs port (HTTP/2 over TLS).")
    var sandboxApnsPort = 4011

    @Option(help: "Sandbox SMTP port.")
    var sandboxSmtpPort = 4025

    func validate() throws {
        try PortOption.check("--port", port)
        try PortOption.check("--sandbox-port", sandboxPort, allowsAny: true)
        try PortOption.check("--sandbox-apns-port", sandboxApnsPort, allowsAny: true)
        try PortOption.check("--sandbox-smtp-port", sandboxSmtpPort, allowsAny: true)
    }

    func run() async throws {
        let environment = CommandEnvironment()
        let logger = environment.logger
        var cluster: PrivateCluster?
        let url: DatabaseURL
        if let configured = environment.databaseURLString {
            url = try DatabaseURL(configured)
        } else {
            do {
                try FileManager.default.createDirectory(
                    atPath: environment.dataDirectory, withIntermediateDirectories: true)
                let dataDirectory = URL(fileURLWithPath: environment.dataDirectory).appendingPathComponent("pgdata")
                    .path
                cluster = try await PrivateCluster.start(
                    .init(dataDirectory: dataDirectory, durable: true), logger: logger)
            } catch let error as PrivateClusterError {
                fail(error.description)
            }
            url = try DatabaseURL(cluster!.connectionURL(database: "postgres"))
            try url.secretURLString.write(toFile: environment.devURLFile, atomically: true, encoding: .utf8)
            logger.info("private PostgreSQL running", metadata: ["url": "\(url)", "data": "\(cluster!.dataDirectory)"])
        }
        let secrets = try EngineSecrets.load(environment, allowDevelopmentSeed: true)
        do {
            try await withPostgresClient(url, logger: logger) { client in
                try await Migrator(client: client, logger: logger).migrate()
                try await DemoTenant.seed(
                    client: client, environment: environment, baseURL: "http://\(host):\(port)", logger: logger)
            }
        } catch {
            if let cluster { try? await cluster.stop() }
            fail("could not prepare the database: \(LogSafeError.message(error))")
        }
        var launcher = RuntimeLauncher(
            environment: environment, url: url,
            catalog: FunctionDirectory.queued(
                delivery: DeliverySupport(
                    secrets: secrets, environment: environment, publicURL: "http://\(host):\(port)")),
            workerOptions: workerOptions, lead: true, httpHost: host, httpPort: port, secrets: secrets,
            onReady: { logger.info("notify dev is up", metadata: ["http": "http://\(host):\(port)/openapi.json"]) })
        var sandboxURLFile: DevSandboxURLFile?
        if sandbox {
            let engineURL = "http://\(host):\(port)"
            var configuration = SandboxConfiguration(port: sandboxPort, apnsPort: sandboxApnsPort)
            for kind in [ProviderKind.twilio, .vonage, .sendgrid] {
                configuration.callbackURLs[kind] =
                    "\(engineURL)/webhooks/\(kind.rawValue)/\(DemoChannels.accountPrefix)-\(kind.rawValue)"
            }
            configuration.smtpPort = sandboxSmtpPort
            let providerSandbox = try ProviderSandbox(configuration: configuration, logger: logger)
            let smtpPort = sandboxSmtpPort
            launcher.supportingServices = [providerSandbox]
            let urlFile = DevSandboxURLFile(dataDirectory: environment.dataDirectory)
            sandboxURLFile = urlFile
            launcher.afterStart = {
                let document = try await providerSandbox.credentialsDocument()
                try await withPostgresClient(url, logger: logger) { client in
                    try await DemoChannels.seed(
                        document: document, smtpPort: smtpPort, secrets: secrets, client: client, logger: logger)
                }
                // For `notify sandbox messages|counts|faults` run in this folder.
                try urlFile.record(try await providerSandbox.endpoints().baseURL)
                logger.info(
                    "provider sandbox is up; see what it received with `notify sandbox messages`",
                    metadata: ["sandbox": "\(document.twilio.baseURL)"])
            }
        }
        var runError: (any Error)?
        do {
            try await launcher.run()
        } catch {
            runError = error
        }
        sandboxURLFile?.removeIfRecorded()
        if let cluster {
            try? FileManager.default.removeItem(atPath: environment.devURLFile)
            if (runError as? RuntimeError)?.code == .shutdownIncomplete {
                // Services were left waiting on the cluster: its sessions may never end, so it is
                // not asked for a clean stop that would wait on them (a fast shutdown by signal,
                // then an immediate one after 10 s). Blocking, so on a thread of its own.
                logger.warning("stopping the private PostgreSQL without waiting for its sessions")
                await withCheckedContinuation { (stopped: CheckedContinuation<Void, Never>) in
                    Thread.detachNewThread {
                        cluster.stopImmediatelyForProcessExit()
                        stopped.resume()
                    }
                }
            } else {
                do { try await cluster.stop() } catch {
                    logger.error("could not stop the private PostgreSQL: \(error)")
                }
            }
        }
        if let runError { throw runError }
    }
}
