import Foundation
import NotifyProviders
import NotifySandbox
import PostgresNIO
import Testing

@testable import WebhookIngestFunction

/// A failure reported by a status callback is classified by the same table as a synchronous one
/// (`shared/reference/provider-protocols.md` §6): permanent codes suppress, transient ones send
/// again, configuration ones alert without blaming the recipient; and SendGrid's group events
/// concern their group only.
@Suite("Callback failures follow the error-class table")
struct CallbackClassificationTests {
    /// A Twilio status callback's form body.
    static func twilioStatus(_ status: String, code: String?) -> String {
        var body = "MessageSid=SM1&MessageStatus=\(status)&To=%2B15005553003&From=%2B15005550006"
        if let code { body += "&ErrorCode=\(code)" }
        return body
    }

    @Test(
        "Twilio codes: permanent ones suppress, transient ones retry, configuration ones alert",
        arguments: [
            ("30004", nil, true), ("30005", nil, true), ("30006", nil, true), ("21610", nil, true),
            ("30003", CallbackEvent.FailureHandling.retry(suppressWhenExhausted: true), true),
            ("30001", .retry(suppressWhenExhausted: false), false),
            ("30008", .retry(suppressWhenExhausted: false), false),
            ("30002", .configuration(opensCircuit: true), false),
            ("30007", .configuration(opensCircuit: false), false),
            ("30009", nil, false),
        ] as [(String, CallbackEvent.FailureHandling?, Bool)])
    func twilioCodes(code: String, handling: CallbackEvent.FailureHandling?, names: Bool) throws {
        let events = try TwilioCallbackParser.events(Self.twilioStatus("undelivered", code: code))
        #expect(events.count == 1)
        #expect(events.first?.kind == .undelivered)
        #expect(events.first?.failure == handling)
        #expect(events.first?.suppress == (names ? "+15005553003" : nil))
    }

    @Test("A delivered or sent status carries no failure, whatever else it says")
    func twilioSuccessIsNotClassified() throws {
        for status in ["sent", "delivered"] {
            let event = try #require(try TwilioCallbackParser.events(Self.twilioStatus(status, code: nil)).first)
            #expect(event.failure == nil)
            #expect(event.suppress == nil)
        }
    }

    @Test("SendGrid group events neither add nor lift a suppression; a global unsubscribe adds one")
    func sendGridGroupEvents() throws {
        let body = #"""
            [{"email":"ada@example.com","event":"group_resubscribe","asm_group_id":7,"sg_event_id":"e1"},
             {"email":"ada@example.com","event":"group_unsubscribe","asm_group_id":7,"sg_event_id":"e2"},
             {"email":"ada@example.com","event":"unsubscribe","sg_event_id":"e3"}]
            """#
        let events = try SendGridCallbackParser.events(Array(body.utf8))
        #expect(events.map(\.kind) == [.resubscribed, .unsubscribed, .unsubscribed])
        #expect(events.map(\.unsuppress) == [nil, nil, nil])
        #expect(events.map(\.suppress) == [nil, nil, "ada@example.com"])
    }

    @Test("An unreachable handset (30003) is sent again until the attempts run out, then suppressed")
    func unreachableHandsetRetriesThenSuppresses() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant(phone: "+15005553003")
            let id = try await engine.notify(tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "1"]])
            // Watch the lanes of the send jobs the retries wait in until the SMS fails for good.
            var lanes = Set<Int16>()
            let deadline = ContinuousClock.now + .seconds(30)
            var view: [String: Any] = [:]
            while ContinuousClock.now < deadline {
                for row in try await engine.runtime.rows(
                    """
                    SELECT lane FROM notify.scheduled_jobs WHERE queue = 'send-sms'
                    UNION SELECT lane FROM notify.jobs WHERE queue = 'send-sms'
                    """)
                {
                    lanes.insert(try row.decode(Int16.self))
                }
                view = try await engine.get("/v1/notifications/\(id)", tenant).json
                if (view["channels"] as? [String: [String: Int]])?["sms"]?["failed"] == 1 { break }
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(lanes == [0], "the OTP's retries wait in its critical lane (0), as its first send did")
            let kinds = engine.timelineKinds(view)
            // The test engine allows six attempts: six sends, each reported undelivered, five retries.
            #expect(engine.recorded(.twilio).count == 6)
            #expect(kinds.filter { $0 == "undelivered" }.count == 6)
            #expect(kinds.filter { $0 == "retry_scheduled" }.count == 5)
            #expect(kinds.filter { $0 == "suppressed" }.count == 1, "suppressed once, when the attempts ran out")
            let next = try await engine.notify(
                tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "2"]])
            let dropped = try await engine.waitFor(tenant, next, channel: "sms", status: "dropped")
            let reasons = engine.timelineReasons(dropped)
            #expect(reasons.contains("suppressed"))
            #expect(engine.recorded(.twilio).count == 6, "nothing more was sent to the suppressed number")
        }
    }

    /// Gives Ada `phone` in a sandbox tenant and sends her an OTP; returns the tenant and the
    /// OTP's timeline kinds once its SMS has failed.
    func failedOTP(to phone: String, _ engine: Engine) async throws -> (tenant: Engine.Tenant, kinds: [String]) {
        let tenant = try await engine.sandboxTenant(phone: phone)
        let id = try await engine.notify(tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "1"]])
        let view = try await engine.waitFor(tenant, id, channel: "sms", status: "failed")
        return (tenant, engine.timelineKinds(view))
    }

    @Test("A blocked number (30004) is suppressed after one send; the next message is dropped")
    func blockedNumberSuppressedAtOnce() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let (tenant, kinds) = try await failedOTP(to: "+15005553004", engine)
            #expect(kinds.contains("suppressed"))
            #expect(!kinds.contains("retry_scheduled"))
            let next = try await engine.notify(
                tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "2"]])
            try await engine.waitFor(tenant, next, channel: "sms", status: "dropped")
            #expect(engine.recorded(.twilio).count == 1)
        }
    }

    @Test("A suspended account (30002) fails the message without suppressing the number and opens its circuit")
    func suspendedAccountOpensCircuit() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let (_, kinds) = try await failedOTP(to: "+15005553002", engine)
            #expect(!kinds.contains("suppressed"))
            #expect(!kinds.contains("retry_scheduled"))
            let rows = try await engine.runtime.rows(
                "SELECT last_error, consecutive_failures FROM notify.provider_circuits WHERE account_id = 'sbx-twilio'")
            let (lastError, failures) = try #require(rows.first).decode((String?, Int).self)
            #expect(lastError == "twilio_30002")
            #expect(failures >= 1)
            #expect(try await engine.runtime.count("SELECT count(*) FROM notify.suppressions") == 0)
        }
    }
}
