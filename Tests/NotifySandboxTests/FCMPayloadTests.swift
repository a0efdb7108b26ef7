import Foundation
import Testing

extension PushTests {
    /// FCM's refusals of a malformed message, each with its field and nothing recorded as accepted;
    /// a `validate_only` request is answered like a send and not recorded.
    @Test func fcmRefusesMalformedMessages() async throws {
        try await SandboxHarness.run { harness in
            let granted = try await exchange(harness, assertion: try assertion(harness))
            let token = try #require(granted.body["access_token"] as? String)
            let path = "/v1/projects/\(harness.credentials.fcmProjectID)/messages:send"
            let send = { (body: String) in
                try await harness.post(path, body: body, headers: [("Authorization", "Bearer " + token)])
            }
            let refusals: [(body: String, field: String, says: String)] = [
                (#"{"message":"#, "message", "Invalid JSON payload"),
                (#"{"message":[]}"#, "message", "Invalid JSON payload"),
                (#"{"message":{"token":"a","topic":"b"}}"#, "message", "Exactly one of token"),
                (#"{"message":{"data":{"k":"v"}}}"#, "message", "Exactly one of token"),
                (#"{"message":{"token":"a","data":{"k":1}}}"#, "message.data", "values must be strings"),
                (
                    #"{"message":{"token":"a","data":{"k":""# + String(repeating: "x", count: 4100) + #""}}}"#,
                    "message", "too big"
                ),
            ]
            for refusal in refusals {
                let answer = try await send(refusal.body)
                #expect(answer.status == 400, "\(refusal.says)")
                let error = json(answer.body)["error"] as? [String: Any]
                #expect(error?["status"] as? String == "INVALID_ARGUMENT")
                #expect((error?["message"] as? String)?.contains(refusal.says) == true, "\(answer.body)")
                let details = error?["details"] as? [[String: Any]] ?? []
                let violations = details.compactMap { $0["fieldViolations"] as? [[String: String]] }.flatMap { $0 }
                #expect(violations.first?["field"] == refusal.field)
            }
            // Just under the limit, with escapes that the size counts once re-serialised.
            let fits = try await send(
                #"{"message":{"token":"a","data":{"k":""# + String(repeating: "x", count: 3900) + #"\u0041"}}}"#)
            #expect(fits.status == 200, "\(fits.body)")
            #expect(try await harness.counts("fcm")["accepted"] == 1)
            let dryRun = try await send(#"{"validate_only":true,"message":{"token":"b","data":{"k":"v"}}}"#)
            #expect(dryRun.status == 200)
            #expect((json(dryRun.body)["name"] as? String)?.contains("/messages/") == true)
            #expect(try await harness.counts("fcm")["accepted"] == 1)
        }
    }
}
