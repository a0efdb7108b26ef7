import AsyncHTTPClient
import Foundation
import NotifyModel
import NotifyPrivateCluster
import NotifyTestSupport
import Testing

/// What an operator sees of the inbox on `/metrics`: the live streams open, and the requests the
/// per-user limits refused.
@Suite("Inbox metrics", .timeLimit(.minutes(2)))
struct InboxMetricsTests {
    @Test("notify serve counts its open streams and the inbox requests it refused")
    func streamsAndRefusals() async throws {
        let database = try await TestCluster.freshDatabase().secretURLString
        let (key, secret) = try await PipelineProcessTests.onboard(database)
        let port = try LoopbackPort.pickFree()
        var environment = PipelineProcessTests.keys
        environment["NOTIFY_INBOX_REQUESTS_PER_SECOND"] = "1"
        let serve = try await NotifyProcess.start(
            ["serve", "--port", String(port)], databaseURL: database, environment: environment)
        let base = "http://127.0.0.1:\(port)"
        @Sendable func metrics() async -> String {
            (try? await PipelineProcessTests.call(.GET, base + "/metrics"))?.body ?? ""
        }
        do {
            let up = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
                (try? await PipelineProcessTests.call(.GET, base + "/healthz"))?.status == 200
            }
            #expect(up, "\(serve.log)")
            let user = try await PipelineProcessTests.call(
                .PUT, base + "/v1/users/ada", ["Authorization": "Bearer \(key)"], #"{"locale":"en"}"#)
            #expect(user.status == 201)
            let signature = InboxSignature.sign(userID: "ada", secret: Array(hexString: String(secret)))

            // One live stream, held open.
            let stream = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: base + "/v1/inbox/stream?tenant=acme&user=ada&signature=\(signature)"),
                timeout: .seconds(60))
            #expect(stream.status == .ok)
            let counted = await eventually { await metrics().contains("notify_inbox_streams 1") }
            let shown = await metrics()
            #expect(counted, "\(shown)")

            // A burst of two passes at one a second; the rest are refused and counted.
            let inbox = ["X-Notify-Tenant": "acme", "X-Notify-User": "ada", "X-Notify-Signature": signature]
            var statuses: [Int] = []
            for _ in 0..<5 {
                statuses.append(
                    try await PipelineProcessTests.call(.GET, base + "/v1/inbox/unread-count", inbox).status)
            }
            #expect(statuses.contains(429), "\(statuses)")
            let refused = statuses.filter { $0 == 429 }.count
            let text = await metrics()
            #expect(text.contains("notify_inbox_refused_total{reason=\"rate_limited\"} \(refused)"), "\(text)")
            _ = stream
        }
        serve.signal(SIGTERM)
        #expect(await serve.waitForExit() == 0, "\(serve.log.suffix(2000))")
    }
}
