import Foundation
import NotifySandbox
import NotifyTestSupport
import PostgresNIO
import Testing

/// Whether the send step's claim of a delivery (`sending`, just before the provider request) and
/// the record of its outcome (`sent`) wait for the disk: only when the delivery's category would
/// not send again after an unknown outcome (`unknown_outcome: give_up`). The send job's
/// completion, which only deletes the job, never waits.
@Suite("The send claim's durability follows the category's unknown-outcome policy")
struct ClaimDurabilityTests {
    @Test("a retry category's claim commits without waiting for the disk; a give_up category's waits")
    func claimDurabilityFollowsPolicy() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await Self.tenantWithNewsletter(engine)
            // A deferred constraint trigger runs at commit, after every statement of the
            // transaction: it sees the setting the commit itself uses.
            try await engine.runtime.client.query(
                """
                CREATE TABLE claim_commits (delivery_id bigint, channel text, setting text)
                """, logger: engine.runtime.logger)
            try await engine.runtime.client.query(
                """
                CREATE FUNCTION record_claim_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.status = 'sending' THEN
                        INSERT INTO claim_commits VALUES (NEW.id, NEW.channel, current_setting('synchronous_commit'));
                    END IF;
                    RETURN NULL;
                END $$
                """, logger: engine.runtime.logger)
            try await engine.runtime.client.query(
                """
                CREATE CONSTRAINT TRIGGER record_claim_commit AFTER UPDATE ON notify.deliveries
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION record_claim_commit()
                """, logger: engine.runtime.logger)

            try await Self.sendPasscodeAndNewsletter(engine, tenant)

            let rows = try await engine.runtime.rows("SELECT channel, setting FROM claim_commits ORDER BY delivery_id")
            let settings = try rows.map { try $0.decode((String, String).self) }
            #expect(settings.count == 2, "one claim per delivery: \(settings)")
            #expect(settings.first { $0.0 == "sms" }?.1 == "off", "the OTP's claim (retry) need not wait")
            #expect(settings.first { $0.0 == "email" }?.1 == "on", "the newsletter's claim (give_up) waits")
        }
    }

    @Test(
        "a retry category's outcome commits without waiting for the disk; a give_up category's waits; send jobs' completions never wait"
    )
    func outcomeDurabilityFollowsPolicy() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await Self.tenantWithNewsletter(engine)
            for statement in [
                "CREATE TABLE outcome_commits (what text, setting text)",
                """
                CREATE FUNCTION record_outcome_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        INSERT INTO outcome_commits VALUES (OLD.queue, current_setting('synchronous_commit'));
                    ELSIF NEW.status = 'sent' THEN
                        INSERT INTO outcome_commits VALUES (NEW.channel, current_setting('synchronous_commit'));
                    END IF;
                    RETURN NULL;
                END $$
                """,
                """
                CREATE CONSTRAINT TRIGGER record_outcome_commit AFTER UPDATE ON notify.deliveries
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION record_outcome_commit()
                """,
                """
                CREATE CONSTRAINT TRIGGER record_send_completion AFTER DELETE ON notify.jobs
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.queue LIKE 'send-%')
                EXECUTE FUNCTION record_outcome_commit()
                """,
            ] {
                try await engine.runtime.client.query(
                    PostgresQuery(unsafeSQL: statement), logger: engine.runtime.logger)
            }

            try await Self.sendPasscodeAndNewsletter(engine, tenant)
            let recorded = await eventually(timeout: .seconds(10)) {
                (try? await engine.runtime.count("SELECT count(*)::int FROM outcome_commits")) ?? 0 >= 4
            }
            #expect(recorded, "two outcomes and two send-job completions")

            let rows = try await engine.runtime.rows("SELECT what, setting FROM outcome_commits")
            let settings = Dictionary(try rows.map { try $0.decode((String, String).self) }) { first, _ in first }
            #expect(settings["sms"] == "off", "the OTP's outcome (retry) need not wait: \(settings)")
            #expect(settings["email"] == "on", "the newsletter's outcome (give_up) waits: \(settings)")
            #expect(settings["send-sms"] == "off", "a send job's completion only deletes it: \(settings)")
            #expect(settings["send-email"] == "off", "a send job's completion only deletes it: \(settings)")
        }
    }

    /// A sandbox tenant with a marketing category, `news`, that gives up on an unknown outcome.
    static func tenantWithNewsletter(_ engine: Engine) async throws -> Engine.Tenant {
        let tenant = try await engine.sandboxTenant()
        try expect(
            await engine.put(
                "/v1/categories/news", tenant,
                ["kind": "marketing", "default_channels": ["email"], "unknown_outcome": "give_up"]), [200, 201])
        return tenant
    }

    /// Sends an OTP (SMS, `retry`) and a newsletter (email, `give_up`) and waits until both are sent.
    static func sendPasscodeAndNewsletter(_ engine: Engine, _ tenant: Engine.Tenant) async throws {
        let otp = try await engine.notify(
            tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "123456"]])
        try await engine.waitFor(tenant, otp, channel: "sms", status: "sent")
        let news = try await engine.notify(
            tenant, ["category": "news", "to": ["user": "ada"], "data": ["name": "Ada"]])
        try await engine.waitFor(tenant, news, channel: "email", status: "sent")
    }
}
