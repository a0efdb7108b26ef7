import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NotifyProviders
import NotifySandbox
import ServiceLifecycle
import Synchronization

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract:
            "Run the provider sandbox (Twilio, Vonage, SendGrid, SMTP, FCM, APNs on loopback) and inspect it.",
        discussion: """
            The sandbox speaks each provider's real wire protocol (and runs a recording SMTP \
            relay), records what it receives, injects faults and posts signed callbacks to the \
            engine.
              notify sandbox serve --callback-url http://127.0.0.1:8080 \\
                --write-credentials sandbox.json
              notify sandbox messages --provider twilio
              notify sandbox counts
              notify sandbox faults twilio --set '{"error_rate": 0.05}'
            messages, counts and faults talk to the sandbox at --url; without it, to the one \
            a `notify dev` running in this folder recorded in .notify/sandbox-url; else to \
            http://127.0.0.1:4010.
            Magic recipients answer with real provider errors:
              Twilio To +15005550001 (21211), +15005550004 (21610, STOP),
                +1500555300X (accepted, then undelivered or failed with 3000X);
              Vonage to 15005550001 (status 3), 15005550004 (status 7);
              SendGrid local parts bounce, blocked, dropped, deferred, open,
                click, spamreport, unsubscribe;
              FCM tokens unregistered…, invalid…, mismatch…, quota…;
              APNs tokens 41041041… (410), 40040040… (400), 42942942… (429).
            """,
        subcommands: [
            SandboxServeCommand.self, SandboxMessagesCommand.self, SandboxCountsCommand.self,
            SandboxFaultsCommand.self,
        ])
}

struct SandboxServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the sandbox until SIGINT or SIGTERM.",
        discussion: """
            HTTP/1.1 on --port: Twilio /2010-04-01/Accounts/{sid}/Messages.json,
            Vonage /sms/json, SendGrid /v3/mail/send, FCM /token and
            /v1/projects/{project}/messages:send, webhooks /hooks/{name} and the
            control API /sandbox/... . APNs on --apns-port: HTTP/2 over TLS only,
            with a certificate from a CA generated at start (see --write-ca).
            A recording SMTP relay on --smtp-port (provider "smtp" in messages).
            Accounts and keys are generated at start; --write-credentials saves
            what clients need. --faults FILE is a JSON object keyed by provider:
              {"twilio": {"latency": {"min_ms": 50, "max_ms": 300},
                          "rate_limit": {"every_nth": 20}}}
            """)

    @Option(help: "HTTP port for every provider but APNs, and the control API (0: any free port).") var port = 4010
    @Option(help: "APNs port, HTTP/2 over TLS (0: any free port).") var apnsPort = 4011
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(
        help:
            "The engine's base URL; callbacks go to {URL}/webhooks/{provider}/{PREFIX}-{provider} (see --account-prefix)."
    ) var callbackURL: String?
    @Option(help: "The engine's provider account ids are {PREFIX}-twilio, {PREFIX}-vonage, {PREFIX}-sendgrid.")
    var accountPrefix = "sbx"
    @Option(help: "Port of the recording SMTP relay (0: none).") var smtpPort = 4025
    @Option(help: "A JSON file of fault settings per provider, applied at start.") var faults: String?
    @Option(help: "Write the credentials document (JSON) to this file once listening.") var writeCredentials: String?
    @Option(help: "Write the FCM service-account JSON (token_uri pointing at the sandbox) to this file.")
    var writeServiceAccount: String?
    @Option(help: "Write the CA certificate (PEM) that clients must trust for APNs to this file.") var writeCa: String?
    @Option(help: "The only APNs topic (bundle id) accepted; default: any.") var apnsTopic: String?
    @Option(help: "Milliseconds between a message's status callbacks.") var callbackDelayMs = 20
    @Option(help: "Share (0…1) of SendGrid event batches posted twice, as SendGrid sometimes does.")
    var sendgridDuplicateRate = 0.0

    func validate() throws {
        try PortOption.check("--port", port, allowsAny: true)
        try PortOption.check("--apns-port", apnsPort, allowsAny: true)
        try PortOption.check("--smtp-port", smtpPort, allowsAny: true)
        if let callbackURL {
            guard let url = URL(string: callbackURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                url.host?.isEmpty == false
            else {
                throw ValidationError(
                    "--callback-url must be the engine's absolute http(s) base URL, such as http://127.0.0.1:8080; got \"\(callbackURL)\""
                )
            }
        }
        guard callbackDelayMs >= 0 else {
            throw ValidationError("--callback-delay-ms must be 0 or more; got \(callbackDelayMs)")
        }
        guard (0...1).contains(sendgridDuplicateRate) else {
            throw ValidationError("--sendgrid-duplicate-rate must be 0 to 1; got \(sendgridDuplicateRate)")
        }
        _ = try faultSettings()
    }

    /// The settings in the --faults file, if any; a file that cannot be read or holds invalid
    /// settings is a usage error.
    func faultSettings() throws -> [ProviderKind: FaultSettings]? {
        guard let faults else { return nil }
        guard let data = FileManager.default.contents(atPath: faults) else {
            throw ValidationError("--faults: cannot read \(faults)")
        }
        do {
            return try SandboxConfiguration.faults(fromJSON: data)
        } catch {
            throw ValidationError("--faults \(faults): \(error.message)")
        }
    }

    func run() async throws {
        let environment = CommandEnvironment()
        let logger = environment.logger
        var configuration = SandboxConfiguration(
            host: host, port: port, apnsPort: apnsPort, callbackBaseURL: callbackURL,
            callbackDelay: .milliseconds(callbackDelayMs), sendGridDuplicateRate: sendgridDuplicateRate,
            apnsTopic: apnsTopic)
        if let callbackURL {
            let base = callbackURL.hasSuffix("/") ? String(callbackURL.dropLast()) : callbackURL
            for kind in [ProviderKind.twilio, .vonage, .sendgrid] {
                configuration.callbackURLs[kind] = "\(base)/webhooks/\(kind.rawValue)/\(accountPrefix)-\(kind.rawValue)"
            }
        }
        configuration.smtpPort = smtpPort == 0 ? nil : smtpPort
        if let faults = try faultSettings() { configuration.faults = faults }
        let sandbox = try ProviderSandbox(configuration: configuration, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: sandbox)], gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let endpoints: SandboxEndpoints
            do {
                endpoints = try await sandbox.endpoints()
            } catch {
                // It stopped before it listened: its own error (a port in use, say) says why.
                try await tasks.waitForAll()
                throw error
            }
            try await SandboxFiles.write(
                credentials: try await sandbox.credentialsDocument(), credentialsPath: writeCredentials,
                serviceAccountPath: writeServiceAccount, caPath: writeCa)
            logger.info(
                "notify sandbox is up",
                metadata: [
                    "http": "\(endpoints.baseURL)", "apns": "\(endpoints.apnsURL)",
                    "callbacks": "\(callbackURL ?? "off")",
                ])
            try await tasks.waitForAll()
        }
    }
}

/// `--url`, shared by the commands that talk to a running sandbox.
struct SandboxURLOption: ParsableArguments {
    @Option(
        help: """
            The running sandbox's base URL (default: the one a `notify dev` running in this folder \
            recorded in .notify/sandbox-url, else \(SandboxLocation.defaultURL)).
            """)
    var url: String?

    /// The control API's verbs the commands use.
    enum Verb { case get, put }

    /// Calls the control API; fails with one line naming the sandbox (and why that one) when it
    /// cannot be reached, or with the sandbox's error text on a non-2xx answer.
    func call(_ verb: Verb, _ path: String, body: String? = nil) async throws -> Data {
        let location = SandboxLocation.resolve(option: url, environment: CommandEnvironment())
        var request = HTTPClientRequest(url: location.url.trimmingCharacters(in: ["/"]) + path)
        request.method = verb == .get ? .GET : .PUT
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        // Connections are retried for 2 s, not the shared client's 10 s: a sandbox that is not
        // running is said at once.
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(2)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(10))
        } catch {
            fail(location.unreachable)
        }
        let data = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        try await client.shutdown()
        guard (200..<300).contains(response.status.code) else {
            struct Problem: Decodable { let error: String }
            let text =
                (try? JSONDecoder().decode(Problem.self, from: data))?.error ?? String(decoding: data, as: UTF8.self)
            fail("the sandbox at \(location.url) answered \(response.status.code): \(text)")
        }
        return data
    }
}

/// Which sandbox the inspecting commands talk to, and why that one: `--url`, else the URL a
/// running `notify dev` recorded in its data folder (`.notify/sandbox-url`), else the default.
/// (No environment variable names a sandbox.)
struct SandboxLocation: Equatable {
    /// Where the URL came from.
    enum Source: Equatable {
        case option
        case devFile(path: String)
        case standard(devFile: String)
    }

    /// `notify sandbox serve`'s and `notify dev`'s default.
    static let defaultURL = "http://127.0.0.1:4010"

    let url: String
    let source: Source

    /// The sandbox to use.
    static func resolve(option: String?, environment: CommandEnvironment) -> SandboxLocation {
        if let option { return SandboxLocation(url: option, source: .option) }
        let path = DevSandboxURLFile.path(dataDirectory: environment.dataDirectory)
        if let recorded = DevSandboxURLFile.recorded(at: path) {
            return SandboxLocation(url: recorded, source: .devFile(path: path))
        }
        return SandboxLocation(url: defaultURL, source: .standard(devFile: path))
    }

    /// The error when nothing answers there, saying where the URL came from and what to do.
    var unreachable: String {
        switch source {
        case .option:
            return "cannot reach the sandbox at \(url) (from --url): check the URL, or start the sandbox there"
                + " with `notify sandbox serve`"
        case .devFile(let path):
            return "cannot reach the sandbox at \(url) (recorded by `notify dev` in \(path)): start `notify dev`"
                + " again in this folder, or pass --url"
        case .standard(let path):
            return "cannot reach the sandbox at \(url) (the default; no `notify dev` recorded one in \(path)):"
                + " start it with `notify sandbox serve` or `notify dev`, or pass --url"
        }
    }
}

/// `.notify/sandbox-url`: the control URL of the sandbox a `notify dev` of this folder runs,
/// written once it is up and removed when that `notify dev` exits (unless another has replaced
/// it), so the inspecting commands reach that sandbox whatever its `--sandbox-port`.
final class DevSandboxURLFile: Sendable {
    /// The file.
    let path: String
    private let written = Mutex<String?>(nil)

    /// The file in `dataDirectory` (`NOTIFY_DATA_DIR`, default `.notify`).
    init(dataDirectory: String) { path = Self.path(dataDirectory: dataDirectory) }

    /// The file's path in `dataDirectory`.
    static func path(dataDirectory: String) -> String { dataDirectory + "/sandbox-url" }

    /// The URL recorded at `path`, if any.
    static func recorded(at path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let url = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return url.isEmpty ? nil : url
    }

    /// Records `url`, replacing what the file said.
    func record(_ url: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try (url + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        written.withLock { $0 = url }
    }

    /// Removes the file if it still names the URL this process recorded.
    func removeIfRecorded() {
        guard let url = written.withLock({ $0 }), Self.recorded(at: path) == url else { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}

struct SandboxMessagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messages", abstract: "List the messages a running sandbox received, oldest first.")

    @OptionGroup var sandbox: SandboxURLOption
    @Option(help: "Only this provider: twilio, vonage, sendgrid, smtp, fcm, apns or webhook.") var provider: String?
    @Option(help: "Only recipients containing this text.") var to: String?
    @Option(help: "At most this many (the most recent).") var limit = 50
    @Option(help: "Only messages after this sequence number (for following new ones).") var after = 0
    @Flag(help: "Print JSON instead of a table.") var json = false

    func validate() throws {
        let providers = ["twilio", "vonage", "sendgrid", "smtp", "fcm", "apns", "webhook"]
        if let provider, !providers.contains(provider) {
            throw ValidationError(
                "--provider must be one of \(providers.joined(separator: ", ")); got \"\(provider)\"")
        }
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1; got \(limit)") }
        guard after >= 0 else { throw ValidationError("--after must be 0 or more; got \(after)") }
    }

    func run() async throws {
        var query = [URLQueryItem(name: "limit", value: "\(limit)"), URLQueryItem(name: "after", value: "\(after)")]
        if let provider { query.append(URLQueryItem(name: "provider", value: provider)) }
        if let to { query.append(URLQueryItem(name: "to", value: to)) }
        var components = URLComponents()
        components.queryItems = query
        let data = try await sandbox.call(.get, "/sandbox/messages?" + (components.percentEncodedQuery ?? ""))
        if json { return print(String(decoding: data, as: UTF8.self)) }
        struct List: Decodable { let messages: [RecordedMessage] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let list = try decoder.decode(List.self, from: data)
        let rows = list.messages.map { message -> [String] in
            let text = message.subject ?? message.body ?? ""
            return [
                String(message.sequence), message.provider.rawValue, message.status, message.recipient ?? "",
                message.deliveryID ?? "", String(text.prefix(40)),
            ]
        }
        print(
            Table(header: ["SEQ", "PROVIDER", "STATUS", "RECIPIENT", "DELIVERY", "SUBJECT/BODY"], rows: rows).render())
    }
}

struct SandboxCountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "counts",
        abstract: "Per provider: received, accepted, failed and duplicates (same delivery id accepted again).")

    @OptionGroup var sandbox: SandboxURLOption
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() async throws {
        let data = try await sandbox.call(.get, "/sandbox/counts")
        if json { return print(String(decoding: data, as: UTF8.self)) }
        let counts = try JSONDecoder().decode([String: ProviderCounts].self, from: data)
        let rows = counts.sorted { $0.key < $1.key }.map { name, count in
            [name, "\(count.received)", "\(count.accepted)", "\(count.failed)", "\(count.duplicates)"]
        }
        print(Table(header: ["PROVIDER", "RECEIVED", "ACCEPTED", "FAILED", "DUPLICATES"], rows: rows).render())
    }
}

struct SandboxFaultsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faults", abstract: "Show or replace a provider's fault settings in a running sandbox.",
        discussion: """
            Keys (all optional; {} turns faults off):
              latency       {"fixed_ms": N} or {"min_ms": A, "max_ms": B}
              error_rate    0…1, with error_status (default 500)
              rate_limit    {"every_nth": N} or {"for_seconds": S},
                            plus "retry_after_seconds" (default 1)
              outage        {"mode": "unavailable"} (503) or {"mode": "close"}
              timeout       {"rate": 0…1, "hold_ms": N}
            Milliseconds are 0…3600000, error_status 500…599; an unknown key or a value out \
            of range is refused and the settings stay as they were.
            Example:
              notify sandbox faults sendgrid --set '{"rate_limit": {"every_nth": 10}}'
            """)

    @Argument(help: "twilio, vonage, sendgrid, fcm, apns or webhook.") var provider: String
    @Option(help: "The new settings as JSON; without it the current settings are printed.") var set: String?
    @OptionGroup var sandbox: SandboxURLOption

    func validate() throws {
        let providers = ["twilio", "vonage", "sendgrid", "fcm", "apns", "webhook"]
        guard providers.contains(provider) else {
            throw ValidationError(
                "the provider must be one of \(providers.joined(separator: ", ")); got \"\(provider)\"")
        }
        if let set {
            // Checked here too, so a mistake is named before any sandbox is looked for.
            do {
                _ = try FaultSettings.parse(json: Data(set.utf8))
            } catch {
                throw ValidationError("--set: \(error.message)")
            }
        }
    }

    func run() async throws {
        let data = try await sandbox.call(set == nil ? .get : .put, "/sandbox/faults/" + provider, body: set)
        print(String(decoding: data, as: UTF8.self))
    }
}
