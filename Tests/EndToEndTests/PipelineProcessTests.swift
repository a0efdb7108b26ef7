import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NotifyModel
import NotifyPrivateCluster
import NotifyRuntime
import NotifyTestSupport
import Testing

/// The pipeline as deployed: `notify serve` for the HTTP API and each function in its own
/// `notify work` process, onboarded with the CLI, driven over HTTP.
@Suite struct PipelineProcessTests {
    static let keys: [String: String] = [
        "NOTIFY_ENCRYPTION_KEYS": "k1:" + Data(repeating: 1, count: 32).base64EncodedString(),
        "NOTIFY_LOOKUP_KEY": Data(repeating: 2, count: 32).base64EncodedString(),
        "NOTIFY_TOKEN_KEY": Data(repeating: 3, count: 32).base64EncodedString(),
    ]

    @Test func eachFunctionInItsOwnProcessDeliversToTheInbox() async throws {
        let url = try await TestCluster.freshDatabase()
        let database = url.secretURLString
        let (key, secret) = try await Self.onboard(database)

        let port = try LoopbackPort.pickFree()
        var processes: [NotifyProcess] = []
        processes.append(
            try await NotifyProcess.start(
                ["serve", "--port", String(port)], databaseURL: database, environment: Self.keys))
        for (index, function) in ["validate", "preference-filter", "render", "send-inapp"].enumerated() {
            var arguments = ["work", "--functions", function, "--concurrency", "32"]
            if index > 0 { arguments.append("--no-lead") }
            processes.append(try await NotifyProcess.start(arguments, databaseURL: database, environment: Self.keys))
        }
        do {
            let base = "http://127.0.0.1:\(port)"
            let up = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
                (try? await Self.call(.GET, base + "/healthz"))?.status == 200
            }
            #expect(up, "\(processes[0].log)")
            let auth = ["Authorization": "Bearer \(key)"]
            #expect(try await Self.call(.PUT, base + "/v1/users/ada", auth, #"{"locale":"en"}"#).status == 201)
            #expect(
                try await Self.call(
                    .PUT, base + "/v1/categories/welcome", auth,
                    #"{"kind":"transactional","default_channels":["inapp"]}"#
                ).status == 201)
            #expect(
                try await Self.call(
                    .POST, base + "/v1/templates/welcome/inapp/en/versions?activate=true", auth,
                    #"{"title":"Hello {{name}}"}"#
                ).status == 201)
            for n in 1...20 {
                let sent = try await Self.call(
                    .POST, base + "/v1/notifications", auth,
                    #"{"category":"welcome","to":{"user":"ada"},"data":{"name":"n\#(n)"}}"#)
                #expect(sent.status == 202, "\(sent.body)")
            }
            let signature = InboxSignature.sign(userID: "ada", secret: Array(hexString: String(secret)))
            let inbox = ["X-Notify-Tenant": "acme", "X-Notify-User": "ada", "X-Notify-Signature": signature]
            let delivered = await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
                let reply = try? await Self.call(.GET, base + "/v1/inbox/unread-count", inbox)
                return reply?.body.contains("\"unread\":20") == true
            }
            #expect(delivered, "\(processes.map(\.log).joined(separator: "\n---\n").suffix(4000))")
        }
        for process in processes { process.signal(SIGTERM) }
        for process in processes {
            #expect(await process.waitForExit() == 0, "\(process.log.suffix(2000))")
        }
    }

    struct Reply: Sendable {
        let status: Int
        let body: String
    }

    /// Onboards tenant `acme` with the CLI, as an operator would: `notify migrate`,
    /// `notify tenants create acme`, `notify keys create --tenant acme`. Returns the API key and
    /// the tenant's inbox secret.
    static func onboard(_ database: String) async throws -> (key: String, inboxSecret: Substring) {
        let migrate = try await NotifyProcess.start(["migrate"], databaseURL: database)
        #expect(await migrate.waitForExit() == 0)
        let tenant = try await NotifyProcess.start(["tenants", "create", "acme"], databaseURL: database)
        #expect(await tenant.waitForExit() == 0, "\(tenant.log)")
        let secret = try #require(
            tenant.log.split(separator: "\n").first { $0.hasPrefix("inbox secret") }?.split(separator: " ").last)
        let keys = try await NotifyProcess.start(["keys", "create", "--tenant", "acme"], databaseURL: database)
        #expect(await keys.waitForExit() == 0)
        let key = try #require(keys.log.split(separator: "\n").first { $0.hasPrefix("nk_") }.map(String.init))
        return (key, secret)
    }

    static func call(
        _ method: HTTPMethod, _ url: String, _ headers: [String: String] = [:], _ body: String? = nil
    )
        async throws -> Reply
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), body: String(buffer: bytes))
    }
}

extension Array where Element == UInt8 {
    init(hexString: String) {
        var bytes: [UInt8] = []
        var index = hexString.startIndex
        while let next = hexString.index(index, offsetBy: 2, limitedBy: hexString.endIndex), index < next {
            if let byte = UInt8(hexString[index..<next], radix: 16) { bytes.append(byte) }
            index = next
        }
        self = bytes
    }
}
