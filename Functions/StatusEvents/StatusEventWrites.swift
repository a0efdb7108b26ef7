import PostgresNIO

/// The completion writes of `deliver-status-events`, each one statement on the subscription row.
struct StatusEventWrites: Sendable {
    let input: StatusEventsFunction.Input

    /// Delivered (or skipped) up to `cursor`: move it, reset failures; stay in flight when the next
    /// batch is enqueued in the same transaction.
    func delivered(cursor: Int64, more: Bool) -> PostgresQuery {
        """
        UPDATE notify.event_subscriptions
        SET cursor = greatest(cursor, \(cursor)), in_flight = \(more), failures = 0, last_error = NULL,
            updated_at = clock_timestamp()
        WHERE tenant_id = \(input.tenantID) AND id = \(input.subscriptionID)
        """
    }

    /// Nothing to deliver now (no settled events, or the subscription is disabled).
    func idle() -> PostgresQuery {
        """
        UPDATE notify.event_subscriptions SET in_flight = false
        WHERE tenant_id = \(input.tenantID) AND id = \(input.subscriptionID)
        """
    }

    /// The POST failed: count it and keep the reason; the tick retries after the backoff.
    func failed(code: String, message: String) -> PostgresQuery {
        let reason = String("\(code): \(message)".prefix(500))
        return """
            UPDATE notify.event_subscriptions
            SET in_flight = false, failures = failures + 1, last_error = \(reason), updated_at = clock_timestamp()
            WHERE tenant_id = \(input.tenantID) AND id = \(input.subscriptionID)
            """
    }
}
