import Foundation
import PostgresNIO

extension JobRequest {
    /// One statement that enqueues `requests` through `notify.enqueue`, for a function that must
    /// commit follow-up jobs together with writes of its own (in its own transaction) rather than
    /// with the job's completion.
    ///
    /// `notify.enqueue` takes the function's lane and attempts from `notify.functions`, files jobs
    /// due more than 30 s ahead under `notify.scheduled_jobs`, and wakes the workers.
    ///
    /// - Throws: the encoder's error when a request's input cannot be encoded as JSON.
    public static func enqueueWrite(_ requests: [JobRequest]) throws -> PostgresQuery {
        let functions = requests.map(\.function.rawValue)
        let payloads = try requests.map { try $0.payload }
        let lanes = requests.map { $0.lane?.description ?? "" }
        let runAtMilliseconds = requests.map { request in
            request.runAt.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } ?? 0
        }
        let tenants = requests.map { $0.tenantID ?? "" }
        return """
            SELECT notify.enqueue(
                r.function, r.payload::jsonb, nullif(r.lane, ''),
                CASE WHEN r.run_at_ms = 0 THEN NULL ELSE to_timestamp(r.run_at_ms / 1000.0) END,
                nullif(r.tenant, ''))
            FROM unnest(\(functions)::text[], \(payloads)::text[], \(lanes)::text[], \(runAtMilliseconds)::bigint[],
                        \(tenants)::text[]) WITH ORDINALITY AS r(function, payload, lane, run_at_ms, tenant, n)
            ORDER BY r.n
            """
    }
}
