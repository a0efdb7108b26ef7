import Foundation
import NotifyProviders
import NotifySandbox
import Testing

@Suite("Recording")
struct RecorderTests {
    @Test func countsStayExactWhenTheListEvicts() async {
        let recorder = MessageRecorder(capacity: 100)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for index in 0..<2_500 {
                        let id = "d-\(index % 2_000)"  // 500 of each worker's ids repeat
                        recorder.record(
                            RecordedMessage(provider: .twilio, deliveryID: "\(worker)-\(id)", recipient: "+1"))
                    }
                }
            }
        }
        let counts = recorder.counts()[.twilio]
        #expect(counts?.received == 10_000)
        #expect(counts?.accepted == 10_000)
        #expect(counts?.duplicates == 2_000)
        let recent = recorder.messages(provider: .twilio, limit: 1_000)
        #expect(recent.count == 100)
        #expect(recent.last?.sequence == 10_000)
        #expect(recent.first?.sequence == 9_901)
        #expect(recorder.messages(after: 9_990, limit: 1_000).map(\.sequence) == Array(9_991...10_000))
    }

    @Test func webhookReceiverKeepsHeadersForSignatureChecks() async throws {
        try await SandboxHarness.run { harness in
            let secret = StandardWebhookSignature.generateSecret()
            let body = #"{"type":"notification.delivered"}"#
            let signer = try StandardWebhookSignature(secret: secret)
            let headers = signer.headers(
                id: "msg_1", timestamp: Int64(Date().timeIntervalSince1970), body: Data(body.utf8))
            let answer = try await harness.post("/hooks/acme", body: body, headers: headers.map { ($0.name, $0.value) })
            #expect(answer.status == 200)
            let list = try await harness.control(.GET, "/sandbox/messages?provider=webhook")
            let message = try #require((json(list.body)["messages"] as? [[String: Any]])?.first)
            let recorded = try #require(message["headers"] as? [String: String])
            #expect(message["recipient"] as? String == "acme")
            #expect(message["delivery_id"] as? String == "msg_1")
            try signer.verify(
                id: recorded["webhook-id"], timestamp: recorded["webhook-timestamp"],
                signature: recorded["webhook-signature"], body: Data((message["body"] as? String ?? "").utf8))
        }
    }
}
