import PostgresNIO

/// The claim as a prepared statement: a worker runs it hundreds of times a second on its claim
/// connection, so it is parsed once per connection instead of once per claim. It is still planned
/// per execution (the claim connection sets `plan_cache_mode = force_custom_plan`): with LIMIT a
/// parameter, the generic plan joins the picked ids to a scan of the whole table.
/// Used by ``JobStore/claim(on:queues:limit:maxLane:workerID:lease:)``.
struct ClaimStatement: PostgresPreparedStatement {
    typealias Row = (Int64, String, Int16, String, Int32, Int32, Int64, String?)

    static let name = "notify_claim_v3"

    static let sql = """
        UPDATE notify.jobs j
        SET state = 'running', attempt = j.attempt + 1, fence = j.fence + 1, locked_by = $4,
            locked_until = now() + make_interval(secs => $5)
        WHERE j.id = ANY(ARRAY(
            SELECT id FROM notify.jobs
            WHERE queue = $1 AND state = 'ready' AND lane BETWEEN $6 AND $2 AND run_at <= now()
            ORDER BY lane, run_at, id
            LIMIT $3
            FOR UPDATE SKIP LOCKED))
        RETURNING j.id, j.queue, j.lane, j.payload, j.attempt, j.max_attempts, j.fence, j.tenant_id
        """

    static let bindingDataTypes: [PostgresDataType] = [.text, .int2, .int8, .text, .float8, .int2]

    let queue: String
    let maxLane: Int16
    let limit: Int
    let workerID: String
    let leaseSeconds: Double
    /// The highest-priority lane claimed (`lane >= minLane`).
    let minLane: Int16

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 6)
        bindings.append(queue, context: .default)
        bindings.append(maxLane, context: .default)
        bindings.append(Int64(limit), context: .default)
        bindings.append(workerID, context: .default)
        bindings.append(leaseSeconds, context: .default)
        bindings.append(minLane, context: .default)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// The claim over several queues as a prepared statement (see ``ClaimStatement``).
struct MultiQueueClaimStatement: PostgresPreparedStatement {
    typealias Row = ClaimStatement.Row

    static let name = "notify_claim_many_v3"

    static let sql = """
        UPDATE notify.jobs j
        SET state = 'running', attempt = j.attempt + 1, fence = j.fence + 1, locked_by = $4,
            locked_until = now() + make_interval(secs => $5)
        WHERE j.id = ANY(ARRAY(
            SELECT p.id FROM unnest($1::text[]) AS q(name)
            CROSS JOIN LATERAL (
                SELECT id, lane, run_at FROM notify.jobs
                WHERE queue = q.name AND state = 'ready' AND lane BETWEEN $6 AND $2 AND run_at <= now()
                ORDER BY lane, run_at, id
                LIMIT $3
                FOR UPDATE SKIP LOCKED
            ) p
            ORDER BY p.lane, p.run_at, p.id
            LIMIT $3))
        RETURNING j.id, j.queue, j.lane, j.payload, j.attempt, j.max_attempts, j.fence, j.tenant_id
        """

    static let bindingDataTypes: [PostgresDataType] = [.textArray, .int2, .int8, .text, .float8, .int2]

    let queues: [String]
    let maxLane: Int16
    let limit: Int
    let workerID: String
    let leaseSeconds: Double
    /// The highest-priority lane claimed (`lane >= minLane`).
    let minLane: Int16

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 6)
        bindings.append(queues, context: .default)
        bindings.append(maxLane, context: .default)
        bindings.append(Int64(limit), context: .default)
        bindings.append(workerID, context: .default)
        bindings.append(leaseSeconds, context: .default)
        bindings.append(minLane, context: .default)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// The deletion of successfully completed jobs, fenced, as a prepared statement: the completion
/// writers run it for every batch, so it is parsed once per connection. Returns the ids it deleted.
///
/// With a `synchronousCommit` value it also sets `synchronous_commit` for the rest of its
/// transaction (`set_config(…, true)`, evaluated once): a completion that need not wait for the disk says so in
/// the same round trip as its first statement, instead of a `SET LOCAL` of its own.
struct DeleteCompletedStatement: PostgresPreparedStatement {
    typealias Row = Int64

    static let name = "notify_delete_completed_v2"

    static let sql = """
        WITH setting AS MATERIALIZED (
            SELECT set_config('synchronous_commit', coalesce($3, current_setting('synchronous_commit')), true)
        )
        DELETE FROM notify.jobs j USING setting, unnest($1::bigint[], $2::bigint[]) AS c(id, fence)
        WHERE j.id = c.id AND j.fence = c.fence
        RETURNING j.id
        """

    static let bindingDataTypes: [PostgresDataType] = [.int8Array, .int8Array, .text]

    let ids: [Int64]
    let fences: [Int64]
    /// `off` for a completion that need not wait for the disk; nil keeps the session's setting.
    let synchronousCommit: String?

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(ids, context: .default)
        bindings.append(fences, context: .default)
        bindings.append(synchronousCommit)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Int64.self) }
}
