import DigestCloseFunction
import Foundation
import NotifyFunctionKit
import NotifyModel
import NotifyTestSupport
import PostgresNIO
import Testing

/// `digest-close` run by hand against a running engine, committing its output as the runtime
/// does: a replayed close does nothing twice, and an item that arrives while a digest closes goes
/// into the next digest.
@Suite(.serialized) struct DigestCloseTests {
    func context(_ engine: Engine, tenant: Engine.Tenant) -> FunctionContext {
        FunctionContext(
            jobID: 1, attempt: 1, maxAttempts: 10, deadline: .now + .seconds(30), tenantID: tenant.id,
            lane: .transactional, logger: engine.runtime.logger,
            database: FunctionDatabase(client: engine.runtime.client), clock: SystemClock())
    }

    /// Sends `range` and waits until that many items are collected in all.
    func collect(
        _ engine: Engine, _ tenant: Engine.Tenant, _ range: ClosedRange<Int>, total: Int
    ) async throws
        -> Int64
    {
        _ = try await DigestTests.send(engine, tenant, range)
        let collected = await eventually(timeout: .seconds(20)) {
            (try? await DigestTests.scalar(engine, "SELECT count(*)::int FROM notify.digest_items")) == total
        }
        #expect(collected)
        return try #require(
            try await engine.runtime.rows("SELECT id FROM notify.digests WHERE status = 'open'").first?.decode(
                Int64.self))
    }

    @Test func aReplayedCloseReleasesNothingTwice() async throws {
        try await Engine.with { engine in
            let tenant = try await engine.tenant()
            try await DigestTests.digestCategory(engine, tenant, window: 3600, maxItems: 100)
            let digest = try await collect(engine, tenant, 1...3, total: 3)
            let input = DigestCloseInput(tenantID: tenant.id, digestID: digest)
            // Two runs that both saw the digest unreleased, committed one after the other.
            let first = try await DigestCloseFunction().handle(input, context: context(engine, tenant: tenant))
            let second = try await DigestCloseFunction().handle(input, context: context(engine, tenant: tenant))
            for output in [first, second] {
                try await engine.runtime.client.withTransaction(logger: engine.runtime.logger) { connection in
                    for write in output.runnableWrites {
                        try await connection.query(write, logger: engine.runtime.logger)
                    }
                }
            }
            let third = try await DigestCloseFunction().handle(input, context: context(engine, tenant: tenant))
            #expect(third.writes.isEmpty)
            let arrived = await eventually(timeout: .seconds(20)) { (try? await engine.inbox(tenant).count) == 1 }
            #expect(arrived)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await engine.inbox(tenant).map { $0["title"] as? String } == ["3 updates"])
            #expect(
                try await DigestTests.scalar(
                    engine, "SELECT count(*)::int FROM notify.notifications WHERE digest_id IS NOT NULL") == 1)
            #expect(
                try await DigestTests.scalar(
                    engine, "SELECT count(*)::int FROM notify.events WHERE kind = 'digest_released'") == 3)
        }
    }

    @Test func anItemArrivingWhileADigestClosesGoesIntoTheNextOne() async throws {
        try await Engine.with { engine in
            let tenant = try await engine.tenant()
            try await DigestTests.digestCategory(engine, tenant, window: 3600, maxItems: 100)
            let digest = try await collect(engine, tenant, 1...2, total: 2)
            let output = try await DigestCloseFunction().handle(
                DigestCloseInput(tenantID: tenant.id, digestID: digest), context: context(engine, tenant: tenant))
            #expect(output.writes.count == 2)
            let runtime = engine.runtime
            try await runtime.client.withTransaction(logger: runtime.logger) { connection in
                // The close holds the digest; a collector for the third item must wait for it.
                try await connection.query(output.runnableWrite(at: 0), logger: runtime.logger)
                _ = try await DigestTests.send(engine, tenant, 3...3)
                let waiting = await eventually(timeout: .seconds(20)) {
                    (try? await DigestTests.scalar(
                        engine,
                        """
                        SELECT count(*)::int FROM pg_stat_activity
                        WHERE datname = current_database() AND wait_event_type = 'Lock'
                        """)) == 1
                }
                #expect(waiting, "the third item's collector waits for the closing digest")
                try await connection.query(output.runnableWrite(at: 1), logger: runtime.logger)
            }
            let next = await eventually(timeout: .seconds(20)) {
                (try? await DigestTests.scalar(
                    engine, "SELECT count(*)::int FROM notify.digests WHERE status = 'open' AND item_count = 1")) == 1
            }
            #expect(next, "the third item opened the next digest")
            let arrived = await eventually(timeout: .seconds(20)) { (try? await engine.inbox(tenant).count) == 1 }
            #expect(arrived)
            let first = try #require(try await engine.inbox(tenant).first)
            #expect(first["title"] as? String == "2 updates")
            #expect(first["body"] as? String == "item-1;item-2;" || first["body"] as? String == "item-2;item-1;")
            #expect(
                try await DigestTests.scalar(
                    engine, "SELECT count(*)::int FROM notify.digest_items WHERE digest_id = \(digest)") == 2)
        }
    }
}
