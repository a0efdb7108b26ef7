import Foundation
import Logging
import PostgresNIO

/// A circuit breaker per provider account whose state lives in `notify.provider_circuits`, so
/// every worker process agrees on it.
///
/// Closed: sending. After `failureThreshold` consecutive provider failures (transient, unknown
/// outcome), or at once on a configuration failure (bad credentials, unverified sender), it opens
/// for `openDuration`. Then exactly one process takes the probe (half-open, an atomic update) and
/// sends a single message: success closes the circuit, failure opens it again. Recipient errors
/// (invalid number, unregistered token) and 429s say nothing about the provider's health.
public struct CircuitBreaker: Sendable {
    /// Consecutive failures that open the circuit.
    public var failureThreshold: Int
    /// How long an open circuit stays open before a probe.
    public var openDuration: Duration
    /// How long a probe may take before another process may probe.
    public var probeDuration: Duration

    /// Creates a breaker with its thresholds.
    public init(
        failureThreshold: Int = 5, openDuration: Duration = .seconds(15), probeDuration: Duration = .seconds(30)
    ) {
        self.failureThreshold = failureThreshold
        self.openDuration = openDuration
        self.probeDuration = probeDuration
    }

    /// Tries to take the probe of an open circuit; true when this process may send one message.
    public func takeProbe(accountID: String, client: PostgresClient, logger: Logger) async throws -> Bool {
        let probeSeconds = probeDuration.inSeconds
        let rows = try await client.query(
            """
            UPDATE notify.provider_circuits
            SET state = 'half_open', probe_until = now() + make_interval(secs => \(probeSeconds)), changed_at = now()
            WHERE account_id = \(accountID)
              AND ((state = 'open' AND open_until <= now()) OR (state = 'half_open' AND probe_until <= now()))
            RETURNING account_id
            """, logger: logger)
        var taken = false
        for try await _ in rows { taken = true }
        return taken
    }

    /// Records that the account had a message accepted in the configuration of `revision` (its
    /// `updated_at` as the route read it); nothing when the account changed since.
    public func recordAccepted(accountID: String, revision: Date, client: PostgresClient, logger: Logger) async throws {
        try await client.query(
            """
            INSERT INTO notify.provider_circuits AS c (account_id, accepted_revision)
            SELECT a.id, a.updated_at FROM notify.provider_accounts a
            WHERE a.id = \(accountID) AND abs(extract(epoch FROM a.updated_at - \(revision)::timestamptz)) < 0.001
            ON CONFLICT (account_id) DO UPDATE SET accepted_revision = EXCLUDED.accepted_revision
            WHERE c.accepted_revision IS DISTINCT FROM EXCLUDED.accepted_revision
            """, logger: logger)
    }

    /// Records a batch's results on one account: successes close the circuit; failures count
    /// towards opening it; a configuration failure opens it at once.
    public func record(
        accountID: String, successes: Int, failures: Int, configurationFailure: Bool, lastError: String?,
        client: PostgresClient, logger: Logger
    ) async throws {
        guard successes > 0 || failures > 0 || configurationFailure else { return }
        let openSeconds = openDuration.inSeconds
        let threshold = configurationFailure ? 1 : failureThreshold
        let counted = configurationFailure ? max(failures, 1) : failures
        try await client.query(
            """
            INSERT INTO notify.provider_circuits AS c (account_id, state, consecutive_failures, open_until, last_error)
            VALUES (\(accountID),
                    CASE WHEN \(successes) = 0 AND \(counted) >= \(threshold) THEN 'open' ELSE 'closed' END,
                    CASE WHEN \(successes) > 0 THEN 0 ELSE \(counted) END,
                    CASE WHEN \(successes) = 0 AND \(counted) >= \(threshold)
                         THEN now() + make_interval(secs => \(openSeconds)) END,
                    \(lastError))
            ON CONFLICT (account_id) DO UPDATE SET
                consecutive_failures = CASE WHEN \(successes) > 0 AND \(counted) = 0 THEN 0
                                            ELSE c.consecutive_failures + \(counted) END,
                state = CASE
                    WHEN \(successes) > 0 AND \(counted) = 0 THEN 'closed'
                    WHEN c.consecutive_failures + \(counted) >= \(threshold) OR c.state = 'half_open' THEN 'open'
                    ELSE c.state END,
                open_until = CASE
                    WHEN \(successes) > 0 AND \(counted) = 0 THEN NULL
                    WHEN (c.consecutive_failures + \(counted) >= \(threshold) OR c.state = 'half_open')
                         AND (c.state <> 'open' OR c.open_until <= now())
                    THEN now() + make_interval(secs => \(openSeconds))
                    ELSE c.open_until END,
                probe_until = NULL,
                last_error = coalesce(EXCLUDED.last_error, c.last_error),
                changed_at = now()
            """, logger: logger)
    }
}
