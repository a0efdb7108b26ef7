import Logging
import NotifyFunctionKit
import PostgresNIO

/// A send-rate limit per provider account, enforced across every process: a token bucket in
/// `notify.provider_buckets` refilled at the account's rate up to its burst
/// (`notify.take_send_tokens`). One call takes tokens for a whole batch, so the limiter costs one
/// round trip per batch, not per message.
public struct SendRateLimiter: Sendable {
    /// Creates the limiter.
    public init() {}

    /// Takes up to `wanted` tokens; returns how many were granted (possibly 0) and, when fewer
    /// than wanted, how long until the rest will have refilled.
    public func take(
        accountID: String, wanted: Int, ratePerSecond: Double, burst: Int, client: PostgresClient, logger: Logger
    ) async throws -> (granted: Int, refillIn: Duration) {
        guard wanted > 0 else { return (0, .zero) }
        let rows = try await AutoPreparedStatement.run(
            """
            SELECT granted, remaining
            FROM notify.take_send_tokens(\(accountID), \(wanted)::integer, \(ratePerSecond), \(max(burst, 1))::integer)
            """, on: client, logger: logger)
        for row in rows {
            let (granted, remaining) = try row.decode((Int, Double).self)
            let missing = Double(wanted - granted) - remaining
            let seconds = missing > 0 ? missing / ratePerSecond : 0
            return (granted, .milliseconds(Int64((seconds * 1000).rounded(.up))))
        }
        return (0, .seconds(1))
    }
}
