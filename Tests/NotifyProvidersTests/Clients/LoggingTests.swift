import AsyncHTTPClient
import Foundation
import NotifyProviders
import Testing

@Suite("Logs carry ids and classes, no personal data or secrets")
struct LoggingTests {
    @Test("a Twilio success and a suppression are logged without number, text or token")
    func twilio() async throws {
        let capture = LogCapture()
        try await TestServer.with(respond: { request in
            request.bodyText.contains("To=%2B14155550100")
                ? CannedResponse(status: 201, body: #"{"sid": "SM1"}"#)
                : CannedResponse(
                    status: 400,
                    body: #"{"code": 21610, "message": "Attempt to send to unsubscribed recipient +14155550199"}"#)
        }) { baseURL, _ in
            let client = TwilioClient(
                configuration: TwilioConfiguration(accountSID: "AC1", authToken: "token-SECRET-1", baseURL: baseURL),
                httpClient: .shared)
            var sms = SMSMessage(deliveryID: "dlv_9", from: "+15005550006", to: "+14155550100", text: "code 987654")
            _ = await client.send(.sms(sms), timeout: .seconds(5), logger: capture.logger())
            sms.to = "+14155550199"
            _ = await client.send(.sms(sms), timeout: .seconds(5), logger: capture.logger())
        }
        let lines = capture.all
        #expect(lines.count >= 2)
        #expect(lines.contains { $0.contains("dlv_9") && $0.contains("twilio_21610") })
        for line in lines {
            for secret in ["14155550100", "14155550199", "15005550006", "987654", "token-SECRET-1"] {
                #expect(!line.contains(secret), "log line leaks \(secret): \(line)")
            }
        }
    }
}
