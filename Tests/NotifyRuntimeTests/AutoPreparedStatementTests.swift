import Foundation
import Logging
import NotifyTestSupport
import PostgresNIO
import Testing

@testable import NotifyFunctionKit

/// Statements run through ``AutoPreparedStatement`` are named prepared statements, one per text,
/// that return what the same statement unprepared returns.
@Suite("Prepared statements chosen by their text", .timeLimit(.minutes(2)))
struct AutoPreparedStatementTests {
    static let logger = Logger(label: "test.auto-prepared")

    @Test("every slot number has its own type, and the type gives the number back")
    func slotTypesAreDistinctAndGiveTheirNumberBack() {
        var names = Set<String>()
        for number in [1, 2, 3, 512, 513, 1023, 4096] {
            let slot = StatementSlots.type(for: number)
            #expect(slot.number == number)
            names.insert(String(reflecting: slot))
        }
        #expect(names.count == 7)
    }

    @Test("a text keeps its slot; another text gets another slot")
    func aTextKeepsItsSlot() {
        let first = StatementSlots.shared.slot(for: "SELECT 'slot test one' WHERE $1::int > 0")
        let again = StatementSlots.shared.slot(for: "SELECT 'slot test one' WHERE $1::int > 0")
        let other = StatementSlots.shared.slot(for: "SELECT 'slot test two' WHERE $1::int > 0")
        #expect(first.map { ObjectIdentifier($0) } == again.map { ObjectIdentifier($0) })
        #expect(first.map { ObjectIdentifier($0) } != other.map { ObjectIdentifier($0) })
        if let first {
            #expect(StatementSlots.shared.text(of: first.number) == "SELECT 'slot test one' WHERE $1::int > 0")
        }
    }

    @Test("a prepared statement is prepared once per connection and returns each call's own values")
    func preparedOncePerConnectionWithEachCallsValues() async throws {
        try #require(AutoPreparedStatement.enabled)
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            try await client.withConnection { connection in
                let marker = "auto-prepared-\(UUID())"
                for value in 1...7 {
                    let rows = try await AutoPreparedStatement.run(
                        "SELECT \(value)::int * 2, \(marker)::text", on: connection, logger: Self.logger)
                    let (doubled, text) = try rows[0].decode((Int, String).self)
                    #expect(doubled == value * 2)
                    #expect(text == marker)
                }
                let prepared = try await connection.query(
                    "SELECT count(*)::int FROM pg_prepared_statements WHERE statement LIKE '%::int * 2,%'",
                    logger: Self.logger
                ).collect()
                #expect(try prepared[0].decode(Int.self) == 1)
            }
            // Through the pool, and a write: the rows it changed are the ones asked for.
            try await AutoPreparedStatement.run(
                "CREATE TEMP TABLE IF NOT EXISTS auto_prepared_probe (n int)", on: client, logger: Self.logger)
            let written = try await AutoPreparedStatement.run(
                "SELECT n FROM generate_series(1, \(3)::int) AS g(n) WHERE n >= \(2)::int ORDER BY n", on: client,
                logger: Self.logger)
            #expect(try written.map { try $0.decode(Int.self) } == [2, 3])
        }
    }

    @Test("a statement that fails reports PostgreSQL's error, and the next call on the connection works")
    func aFailingStatementReportsItsError() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            try await client.withConnection { connection in
                await #expect(throws: PSQLError.self) {
                    try await AutoPreparedStatement.run(
                        "SELECT 1 / \(0)::int", on: connection, logger: Self.logger)
                }
                let rows = try await AutoPreparedStatement.run(
                    "SELECT 1 / \(1)::int", on: connection, logger: Self.logger)
                #expect(try rows[0].decode(Int.self) == 1)
            }
        }
    }
}
