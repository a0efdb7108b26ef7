import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Runs the engine's fixed-text statements as named prepared statements, chosen by their SQL text,
/// so that PostgreSQL parses (and, once it settles on a generic plan, plans) each of them once per
/// connection instead of on every call.
///
/// postgres-nio names a prepared statement by a type (``PostgresPreparedStatement/name`` is
/// static). Every distinct SQL text therefore gets a slot number, and the slot number a type:
/// ``StatementSlot`` types built bit by bit (`One<Zero<SlotRoot>>` is slot 2), so any number of
/// slots needs only three declarations. A slot's text never changes once given, so the statement a
/// connection prepared under a name is always the one that name means.
///
/// Only texts whose values all travel as bindings belong here: the engine's statements are fixed
/// templates, so their number is small. Past ``capacity`` distinct texts, the rest run unprepared:
/// a text built with inlined values costs slots, never a wrong statement.
/// `NOTIFY_PREPARED_STATEMENTS=off` runs everything unprepared (for a pooler in transaction mode,
/// which cannot hold prepared statements, or for comparison).
///
/// A statement whose input is bound arrays should take them behind sub-selects,
/// `unnest((SELECT $1::bigint[]), …)`. Bound directly, the planner counts each array's elements
/// when it plans for the values given, so for a call with a few rows that plan always looks
/// cheaper than the generic one (costed for ten rows) and PostgreSQL plans the statement on every
/// call (0.2–0.5 ms each, more than running it). Behind a sub-select neither plan knows the count,
/// both cost the same, and PostgreSQL keeps the generic plan after five calls; a batch of 250 rows
/// runs as fast as with bare arrays (and faster than rows parsed from `jsonb`: 2.7 against 3.3 ms).
/// Look every row up by key (`CROSS JOIN LATERAL (… OFFSET 0)`), since the generic plan is costed
/// for ten rows whatever the batch.
public enum AutoPreparedStatement {
    /// Most distinct texts given a slot.
    public static let capacity = 512

    /// Whether statements are prepared (`NOTIFY_PREPARED_STATEMENTS` is not `off`).
    public static let enabled: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return environment["NOTIFY_PREPARED_STATEMENTS"] != "off" && environment["NOTIFY_PREPARED_READS"] != "off"
    }()

    /// Runs `query` on `connection`, prepared when it has (or can get) a slot, and collects its rows.
    @discardableResult
    public static func run(
        _ query: PostgresQuery, on connection: PostgresConnection, logger: Logger
    ) async throws -> [PostgresRow] {
        guard enabled, let slot = StatementSlots.shared.slot(for: query.sql) else {
            return try await connection.query(query, logger: logger).collect()
        }
        return try await execute(slot, bindings: query.binds, on: connection, logger: logger)
    }

    /// Runs `query` on a connection of `client`'s pool, as the connection variant does,
    /// and collects its rows.
    @discardableResult
    public static func run(
        _ query: PostgresQuery, on client: PostgresClient, logger: Logger
    ) async throws
        -> [PostgresRow]
    {
        try await client.withConnection { connection in try await run(query, on: connection, logger: logger) }
    }

    private static func execute<Slot: StatementSlot>(
        _ slot: Slot.Type, bindings: PostgresBindings, on connection: PostgresConnection, logger: Logger
    ) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await connection.execute(SlottedStatement<Slot>(bindings: bindings), logger: logger) {
            rows.append(row)
        }
        return rows
    }
}

/// The prepared statement of one slot: its name is the slot's number, its text the one the slot
/// was given.
struct SlottedStatement<Slot: StatementSlot>: PostgresPreparedStatement {
    typealias Row = PostgresRow

    static var name: String { "notify_stmt_\(Slot.number)" }
    static var sql: String { StatementSlots.shared.text(of: Slot.number) }

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// A type that stands for a slot number. Numbers are written in binary from the most significant
/// bit: ``SlotRoot`` is the leading 1, and each ``Zero`` or ``One`` appends a bit.
protocol StatementSlot {
    static var number: Int { get }
}

/// The leading bit of every slot number.
enum SlotRoot: StatementSlot {
    static var number: Int { 1 }
}

/// Appends a 0 bit to `Prefix`'s number.
enum Zero<Prefix: StatementSlot>: StatementSlot {
    static var number: Int { Prefix.number << 1 }
}

/// Appends a 1 bit to `Prefix`'s number.
enum One<Prefix: StatementSlot>: StatementSlot {
    static var number: Int { Prefix.number << 1 | 1 }
}

/// The slots given so far: text to slot type, and slot number to text.
final class StatementSlots: Sendable {
    static let shared = StatementSlots()

    private struct State {
        var slots: [String: any StatementSlot.Type] = [:]
        var texts: [Int: String] = [:]
    }
    private let state = Mutex(State())

    /// The slot of `sql`, given now if it has none and there is room; nil when full.
    func slot(for sql: String) -> (any StatementSlot.Type)? {
        state.withLock { state in
            if let slot = state.slots[sql] { return slot }
            guard state.texts.count < AutoPreparedStatement.capacity else { return nil }
            // Numbers start at `capacity` so that every slot type has the same depth.
            let number = AutoPreparedStatement.capacity + state.texts.count
            let slot = Self.type(for: number)
            state.slots[sql] = slot
            state.texts[number] = sql
            return slot
        }
    }

    /// The text of slot `number` (empty for a number never given, which is never executed).
    func text(of number: Int) -> String { state.withLock { $0.texts[number] ?? "" } }

    /// Builds the slot type of `number` (at least 1), one bit at a time after the leading 1.
    static func type(for number: Int) -> any StatementSlot.Type {
        precondition(number >= 1)
        let bits = (0..<(Int.bitWidth - number.leadingZeroBitCount - 1)).reversed().map { number >> $0 & 1 == 1 }
        return appending(bits[...], to: SlotRoot.self)
    }

    private static func appending<Prefix: StatementSlot>(
        _ bits: ArraySlice<Bool>, to prefix: Prefix.Type
    ) -> any StatementSlot.Type {
        guard let bit = bits.first else { return prefix }
        return bit
            ? appending(bits.dropFirst(), to: One<Prefix>.self) : appending(bits.dropFirst(), to: Zero<Prefix>.self)
    }
}
