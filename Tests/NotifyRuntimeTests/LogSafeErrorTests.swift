import Foundation
import Logging
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import Testing

/// ``LogSafeError`` describes real PostgreSQL errors without the row values, query parameters or
/// cell bytes that `String(reflecting:)` prints.
@Suite("Errors described for logs without personal data", .timeLimit(.minutes(2)))
struct LogSafeErrorTests {
    static let logger = Logger(label: "test.log-safe-error")
    static let address = "ada.lovelace@example.org"

    /// The error `body` throws.
    static func failure(_ body: () async throws -> Void) async -> (any Error)? {
        do { try await body() } catch { return error }
        return nil
    }

    @Test("a check violation keeps its SQLSTATE, table and constraint, not the failing row")
    func checkViolation() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            try await client.query(
                "CREATE TABLE people (email text NOT NULL CHECK (length(email) < 5))", logger: Self.logger)
            let error = await Self.failure {
                try await client.query("INSERT INTO people VALUES (\(Self.address))", logger: Self.logger)
            }
            let thrown = try #require(error)
            // What the log printed before: the row, address included.
            #expect(String(reflecting: thrown).contains(Self.address))
            let described = LogSafeError.describe(thrown)
            #expect(!described.contains(Self.address))
            #expect(described.contains("sqlState: 23514"))
            #expect(described.contains("table: people"))
            #expect(described.contains("constraint: people_email_check"))
            #expect(described.contains("violates check constraint"))
        }
    }

    @Test("a unique violation inside a transaction leaves out the key's value")
    func uniqueViolationInTransaction() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            try await client.query("CREATE TABLE people (email text PRIMARY KEY)", logger: Self.logger)
            try await client.query("INSERT INTO people VALUES (\(Self.address))", logger: Self.logger)
            let error = await Self.failure {
                try await client.withTransaction(logger: Self.logger) { connection in
                    _ = try await connection.query("INSERT INTO people VALUES (\(Self.address))", logger: Self.logger)
                }
            }
            let thrown = try #require(error)
            #expect(String(reflecting: thrown).contains(Self.address))
            let described = LogSafeError.describe(thrown)
            #expect(!described.contains(Self.address))
            #expect(described.contains("PostgresTransactionError(closure: PSQLError("))
            #expect(described.contains("sqlState: 23505"))
        }
    }

    @Test("a data exception's message, which quotes the input, is left out")
    func dataExceptionMessage() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            let error = await Self.failure {
                try await client.query("SELECT \(Self.address)::text::uuid", logger: Self.logger)
            }
            let thrown = try #require(error)
            #expect(String(reflecting: thrown).contains(Self.address))
            let described = LogSafeError.describe(thrown)
            #expect(!described.contains(Self.address))
            #expect(described.contains("sqlState: 22P02"))
        }
    }

    @Test("a decoding error names the column and types, not the cell's bytes")
    func decodingError() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            let rows = try await client.query("SELECT \(Self.address)::text AS email", logger: Self.logger)
                .collect()
            let error = await Self.failure { _ = try rows.first?.decode(Int64.self) }
            let thrown = try #require(error)
            let bytes = Array(Self.address.utf8).map { String(format: "%02x", $0) }.joined()
            #expect(String(reflecting: thrown).replacingOccurrences(of: " ", with: "").contains(bytes.prefix(16)))
            let described = LogSafeError.describe(thrown)
            #expect(!described.replacingOccurrences(of: " ", with: "").contains(bytes.prefix(16)))
            #expect(!described.contains(Self.address))
            #expect(described.contains("column: email"))
        }
    }
}

extension LogSafeErrorTests {
    struct Plain: Error, CustomStringConvertible {
        var description: String { "the provider said no" }
    }

    @Test("a job's error message keeps other errors' own sentence and drops a database error's row")
    func jobMessage() async throws {
        #expect(LogSafeError.message(Plain()) == "the provider said no")
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            try await client.query("CREATE TABLE people (email text PRIMARY KEY)", logger: Self.logger)
            try await client.query("INSERT INTO people VALUES (\(Self.address))", logger: Self.logger)
            let error = await Self.failure {
                try await client.withTransaction(logger: Self.logger) { connection in
                    _ = try await connection.query("INSERT INTO people VALUES (\(Self.address))", logger: Self.logger)
                }
            }
            let thrown = try #require(error)
            // What a dead job kept before: the transaction error printed its PSQLError in full.
            #expect(String(describing: thrown).contains(Self.address))
            #expect(!LogSafeError.message(thrown).contains(Self.address))
            #expect(LogSafeError.message(thrown).contains("sqlState: 23505"))
        }
    }
}
