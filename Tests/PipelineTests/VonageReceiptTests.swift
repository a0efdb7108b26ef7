import Foundation
import NotifyProviders
import NotifySandbox
import PostgresNIO
import Testing

/// Vonage can be set to send delivery receipts by GET, as a signed query string: the engine takes
/// them as it takes the POSTed ones, verified the same way.
@Suite("Vonage delivery receipts by GET")
struct VonageReceiptTests {
    @Test("A signed GET receipt records the SMS delivered; a forged one is refused and stores nothing")
    func getReceipt() async throws {
        // The sandbox's own receipts (POSTed) wait two minutes, so only the GET below arrives.
        let configuration = SandboxConfiguration(callbackDelay: .seconds(120))
        try await Engine.with(sandbox: configuration) { engine in
            let tenant = try await engine.sandboxTenant(smsRoute: ["sbx-vonage"])
            let id = try await engine.notify(tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "7"]])
            try await engine.waitFor(tenant, id, channel: "sms", status: "sent")
            let rows = try await engine.runtime.rows(
                "SELECT id, provider_message_id FROM notify.deliveries WHERE channel = 'sms' AND provider = 'vonage'")
            let (deliveryID, messageID) = try #require(rows.first).decode((Int64, String).self)
            let secret = try #require(engine.sandbox?.credentials.vonageSignatureSecret)
            var parameters = [
                "msisdn": "14155550100", "to": "Notify", "network-code": "310090", "messageId": messageID,
                "price": "0.00570000", "status": "delivered", "scts": "2612081200", "err-code": "0",
                "client-ref": String(deliveryID), "message-timestamp": "2026-12-08 12:00:00",
                "timestamp": String(Int(Date().timeIntervalSince1970)), "nonce": UUID().uuidString,
            ]
            parameters["sig"] = VonageSignature(secret: secret, method: .sha256).sign(parameters: parameters)
            func query(_ parameters: [String: String]) -> String {
                "delivery_id=\(deliveryID)&"
                    + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\(FormURLEncoding.escape($0.value))" }
                    .joined(separator: "&")
            }
            var forged = parameters
            forged["status"] = "failed"
            let refused = try await engine.request(.GET, "/webhooks/vonage/sbx-vonage?" + query(forged))
            #expect(refused.status == 403, "\(refused.text)")
            #expect(try await engine.runtime.count("SELECT count(*) FROM notify.provider_callbacks") == 0)

            let taken = try await engine.request(.GET, "/webhooks/vonage/sbx-vonage?" + query(parameters))
            #expect(taken.status == 204, "\(taken.text)")
            let view = try await engine.waitFor(tenant, id, channel: "sms", status: "delivered")
            #expect(engine.timelineKinds(view).contains("delivered"))

            let twilio = try await engine.request(.GET, "/webhooks/twilio/sbx-twilio?MessageSid=SM1")
            #expect(twilio.status == 405)
            #expect(twilio.json["code"] as? String == "method_not_allowed")
        }
    }
}
