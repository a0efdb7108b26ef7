import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NotifySandbox
import ServiceLifecycle
import Testing

/// Runs a sandbox in a ServiceGroup for the length of a test, then shuts it down gracefully and
/// checks that it ended.
struct SandboxHarness {
    let sandbox: ProviderSandbox
    let endpoints: SandboxEndpoints

    static let logger: Logger = {
        var logger = Logger(label: "sandbox-tests")
        logger.logLevel = .warning
        return logger
    }()

    static func run(
        _ configuration: SandboxConfiguration = SandboxConfiguration(),
        _ body: (SandboxHarness) async throws -> Void
    ) async throws {
        let sandbox = try ProviderSandbox(configuration: configuration, logger: logger)
        let group = ServiceGroup(services: [sandbox], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                let endpoints = try await sandbox.endpoints()
                try await body(SandboxHarness(sandbox: sandbox, endpoints: endpoints))
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    var credentials: SandboxCredentials { sandbox.credentials }

    /// A request to the HTTP/1.1 listener.
    func post(
        _ path: String, body: String, contentType: String = "application/json", headers: [(String, String)] = [],
        timeout: TimeAmount = .seconds(10)
    ) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
        var request = HTTPClientRequest(url: endpoints.baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        return try await Self.execute(request, client: .shared, timeout: timeout)
    }

    /// A request to the control API.
    func control(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws -> (status: Int, body: String)
    {
        var request = HTTPClientRequest(url: endpoints.baseURL + path)
        request.method = method
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let answer = try await Self.execute(request, client: .shared, timeout: .seconds(10))
        return (answer.status, answer.body)
    }

    /// Counts of one provider from the control API.
    func counts(_ provider: String) async throws -> [String: Int] {
        let answer = try await control(.GET, "/sandbox/counts")
        let all = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: [String: Int]]
        return all?[provider] ?? [:]
    }

    static func execute(
        _ request: HTTPClientRequest, client: HTTPClient, timeout: TimeAmount
    ) async throws -> (
        status: Int, headers: HTTPHeaders, body: String
    ) {
        let response = try await client.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 1 << 22)
        return (Int(response.status.code), response.headers, String(buffer: body))
    }
}

/// Polls until the condition holds or the deadline passes.
func eventually(
    within limit: Duration = .seconds(10), _ condition: () async throws -> Bool,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("condition not met within \(limit)", sourceLocation: sourceLocation)
}

/// Form-encodes pairs.
func form(_ pairs: [(String, String)]) -> String {
    let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
    return pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
}

func json(_ text: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
}
