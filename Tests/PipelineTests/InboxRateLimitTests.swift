import Foundation
import NotifyTestSupport
import Testing

/// Each end user's requests to the inbox API are limited, apart from other users'.
@Suite(.serialized) struct InboxRateLimitTests {
    @Test func aUserOverTheInboxRateIsToldWhenToRetryWhileOthersGoOn() async throws {
        try await Engine.with(inboxRequestsPerSecond: 2) { engine in
            let acme = try await engine.tenant()
            try expect(try await engine.put("/v1/users/bob", acme, ["locale": "en"]), [201])
            let ada = engine.inboxHeaders(acme, user: "ada")
            var replies: [Engine.Reply] = []
            repeat {
                replies.append(try await engine.request(.GET, "/v1/inbox/unread-count", headers: ada))
            } while replies.last?.status == 200 && replies.count < 40
            let statuses = replies.map(\.status)
            // A burst of twice the rate passes (a little more if the clock refilled a token meanwhile).
            #expect(statuses.prefix(4).allSatisfy { $0 == 200 }, "\(statuses)")
            let limited = try #require(replies.last)
            try expect(limited, [429])
            #expect(limited.json["code"] as? String == "rate_limited")
            #expect(Int(limited.headers["retry-after"] ?? "") ?? 0 >= 1)
            // Bob is not held back by Ada.
            let bob = try await engine.request(
                .GET, "/v1/inbox/unread-count", headers: engine.inboxHeaders(acme, user: "bob"))
            #expect(bob.status == 200)
        }
    }
}
