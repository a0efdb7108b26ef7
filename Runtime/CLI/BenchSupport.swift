import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NotifyDelivery
import NotifyModel
import NotifyRuntime
import PostgresNIO

/// What the pipeline benchmarks share: posting a notification and reading the settings that matter.
enum BenchSupport {
    /// `POST` of `body` to `path` (`/v1/notifications` unless said); returns the status.
    static func post(
        _ http: HTTPClient, base: String, path: String = "/v1/notifications", key: String, body: String
    ) async throws -> Int {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await http.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    /// Waits until `done()` says the work arrived, looking every `interval`; throws, rather than
    /// waiting for ever, once a job of the pipeline has failed for good (with that job's error) or
    /// when nothing has progressed for `stallLimit`.
    static func wait(
        every interval: Duration, client: PostgresClient, logger: Logger, stallLimit: Duration = .seconds(60),
        progress: () async throws -> Int, until done: (Int) -> Bool
    ) async throws {
        var last = try await progress()
        var lastChange = ContinuousClock.now
        var lastCheck = ContinuousClock.now
        while !done(last) {
            try await Task.sleep(for: interval)
            let now = try await progress()
            if now != last {
                last = now
                lastChange = .now
            }
            guard ContinuousClock.now - lastCheck >= .seconds(1) else { continue }
            lastCheck = .now
            let dead = try await client.query(
                "SELECT queue, errors -> -1 ->> 'message' FROM notify.dead_jobs ORDER BY died_at LIMIT 1",
                logger: logger
            ).collect()
            if let row = dead.first {
                let (queue, message) = try row.decode((String, String?).self)
                throw BenchError(
                    "a \(queue) job failed for good, so the benchmark cannot finish: \(message ?? "no message")")
            }
            if ContinuousClock.now - lastChange >= stallLimit {
                throw BenchError("nothing progressed for \(stallLimit); stopped at \(last)")
            }
        }
    }

    /// A request to the API; returns the status and the JSON object answered (empty if none).
    static func call(
        _ http: HTTPClient, _ method: HTTPMethod, base: String, path: String, key: String, body: String? = nil
    ) async throws -> (status: Int, json: [String: Any]) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        let json = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
        return (Int(response.status.code), json)
    }

    /// The database settings a figure depends on.
    /// Fresh development keys for a benchmark's contact points, and a send engine on them whose
    /// provider requests go through `http`.
    static func developmentEngine(http: HTTPClient) -> (cipher: ContactCipher, hasher: LookupHasher, engine: SendEngine)
    {
        let seed = "bench-\(UUID())"
        let cipher = ContactCipher.derivedForDevelopment(seed: seed)
        let hasher = LookupHasher.derivedForDevelopment(seed: seed)
        return (cipher, hasher, engine(http: http, cipher: cipher, hasher: hasher))
    }

    /// A send engine with the standard provider clients over `http`.
    static func engine(http: HTTPClient, cipher: ContactCipher, hasher: LookupHasher) -> SendEngine {
        SendEngine(
            pool: ProviderPool(factory: StandardProviderFactory(httpClient: http), cipher: cipher), cipher: cipher,
            hasher: hasher)
    }

    /// The server's settings that shape the figures, and the worker's switches for the changes
    /// that the performance history measures against their absence.
    static func settings(
        _ client: PostgresClient, worker: WorkerConfiguration, logger: Logger
    ) async throws -> [String: String] {
        let settings: [String: String] = [
            "chain_successors": "\(worker.chainSuccessors)", "inline_successors": "\(worker.inlineSuccessors)",
            "async_completions": "\(worker.asynchronousCompletions)",
        ].merging(build) { ours, _ in ours }
        let server = try await serverSettings(
            client,
            names: [
                "synchronous_commit", "fsync", "shared_buffers", "server_version", "max_wal_size", "wal_init_zero",
                "backend_flush_after",
            ],
            logger: logger)
        return settings.merging(server) { _, fromServer in fromServer }
    }

    /// How this binary was built, where it moves the figures: `swift_runtime` (``SwiftRuntimeLink``).
    static var build: [String: String] {
        SwiftRuntimeLink.current().map { ["swift_runtime": $0.rawValue] } ?? [:]
    }

    /// The PostgreSQL server's values of `names`, with their units (`32MB`, `30min`).
    static func serverSettings(
        _ client: PostgresClient, names: [String], logger: Logger
    ) async throws -> [String: String] {
        var settings: [String: String] = [:]
        let rows = try await client.query(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(\(names))", logger: logger)
        for try await (name, value) in rows.decode((String, String).self) { settings[name] = value }
        return settings
    }
}

/// A pipeline benchmark's result: printed as one JSON object with `--json`, else as `text()`.
protocol BenchmarkReport: Codable {
    func text() -> String
}

extension BenchmarkReport {
    /// Pretty-printed JSON with sorted keys.
    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}
