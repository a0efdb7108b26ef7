import NotifyFunctionKit
import PostgresNIO

/// The tick's statement that deletes provider callbacks and their receipts once they are no
/// longer needed.
///
/// A verified callback is stored raw (`notify.provider_callbacks`) so that `webhook-ingest` can
/// turn it into timeline events; its body names the recipient (a phone number, an email
/// address), so it is not kept longer than its use. Once ingested, a callback is deleted after
/// ``days``; one never ingested (its job died, see `notify dead`) is kept for an operator to
/// replay. A receipt (`notify.callback_receipts`) is what makes a provider's retry of the same
/// event a no-op (SendGrid retries for up to 24 hours): it is deleted after ``days`` as well.
/// Each tick deletes at most ``batch`` of each, oldest first, through their `received_at` indexes.
enum CallbackRetention {
    /// Days an ingested callback and a receipt are kept.
    static let days = 7
    /// Rows of each table deleted per tick at most.
    static let batch = 10_000

    static let statement: PostgresQuery = """
        WITH callbacks AS (
            DELETE FROM notify.provider_callbacks WHERE id IN (
                SELECT id FROM notify.provider_callbacks
                WHERE received_at < now() - make_interval(days => \(unescaped: String(days))) AND ingested_at IS NOT NULL
                ORDER BY received_at LIMIT \(unescaped: String(batch)))
            RETURNING 1
        ), receipts AS (
            DELETE FROM notify.callback_receipts WHERE (account_id, event_key) IN (
                SELECT account_id, event_key FROM notify.callback_receipts
                WHERE received_at < now() - make_interval(days => \(unescaped: String(days)))
                ORDER BY received_at LIMIT \(unescaped: String(batch)))
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM callbacks), (SELECT count(*) FROM receipts)
        """
}
