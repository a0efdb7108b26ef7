import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// What the pipeline benchmarks share: posting a notification and reading the settings that matter.
enum BenchSupport {
    /// `POST /v1/notifications` with `body`; returns the status.
    static func post(_ http: HTTPClient, base: String, key: String, body: String) async throws -> Int {
        var request = HTTPClientRequest(url: base + "/v1/notifications")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await http.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    /// The database settings a figure depends on.
    static func settings(_ client: PostgresClient, logger: Logger) async throws -> [String: String] {
        var settings: [String: String] = [:]
        let rows = try await client.query(
            """
            SELECT name, setting FROM pg_settings WHERE name IN
            ('synchronous_commit', 'fsync', 'shared_buffers', 'server_version', 'max_wal_size')
            """, logger: logger)
        for try await (name, value) in rows.decode((String, String).self) { settings[name] = value }
        return settings
    }
}
