import Foundation
import Logging
import NotifyFunctionKit
import PostgresNIO
import Synchronization

/// Tenants' request limits, shared by every API process.
///
/// A tenant's token bucket lives in `notify.tenant_request_buckets`, refilled at the tenant's rate
/// up to twice that. Each process takes an allowance from it a tenth of a second's worth at a time
/// (`notify.take_tenant_request_tokens`), and spends it without asking again. So the limit costs
/// one database round trip per allowance, not per request, and behind N processes a tenant gets
/// its rate in all, plus at most the N allowances the processes held when it stopped.
///
/// Requests that find their tenant's allowance spent while another request is taking the next
/// one wait for that one. When the bucket is empty, the process answers "retry after" on its own
/// until the bucket will have refilled a token, without asking again.
///
/// When the bucket cannot be read (the database is unreachable), the process limits the tenant on
/// its own (``RequestRateLimiter``, the same rate and burst) for a second at a time, and logs it.
public final class SharedRequestLimiter: Sendable {
    private struct Entry {
        /// Requests this process may still admit.
        var allowance = 0
        /// Whether a request is taking the next allowance.
        var refilling = false
        /// Requests waiting for that allowance.
        var waiters: [CheckedContinuation<Void, Never>] = []
        /// Until when the bucket is known to be empty.
        var emptyUntil: ContinuousClock.Instant?
        /// Until when this process limits on its own, after the bucket could not be read.
        var localUntil: ContinuousClock.Instant?
    }

    private enum RefillOutcome {
        case granted(Int, remaining: Double)
        /// The bucket could not be read.
        case unreadable
        /// The request taking the allowance was cancelled.
        case abandoned
    }

    private enum Step {
        case allowed
        case denied(retryAfter: Int)
        case local
        case refill
        case wait
    }

    private let client: PostgresClient
    private let logger: Logger
    private let local = RequestRateLimiter()
    /// One entry per tenant that made a request: few enough to keep.
    private let entries = Mutex<[String: Entry]>([:])

    /// Creates a limiter over `client`'s database.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The allowance taken at a time: a tenth of a second at `rate`, at least one.
    static func allowance(perSecond rate: Int) -> Int { max(1, rate / 10) }

    /// Admits one request of `tenantID` at `rate` per second (burst twice that); returns nil when
    /// admitted, else the seconds to wait before retrying (1 for a request cancelled while it
    /// waited).
    public func take(_ tenantID: String, perSecond rate: Int) async -> Int? {
        // The bucket's burst, twice the rate, is a PostgreSQL integer.
        let rate = min(max(1, rate), TenantAdmin.maximumRequestsPerSecond)
        while true {
            // A request that went away asks no more: its refill would end at once, unread.
            if Task.isCancelled { return 1 }
            switch step(tenantID, rate: rate, now: .now) {
            case .allowed: return nil
            case .denied(let retryAfter): return retryAfter
            case .local: return local.take(tenantID, perSecond: rate)
            case .refill: await refill(tenantID, rate: rate)
            case .wait: await waitForRefill(tenantID)
            }
        }
    }

    private func step(_ tenantID: String, rate: Int, now: ContinuousClock.Instant) -> Step {
        entries.withLock { entries in
            var entry = entries[tenantID] ?? Entry()
            defer { entries[tenantID] = entry }
            if let until = entry.localUntil {
                if until > now { return .local }
                entry.localUntil = nil
            }
            // An allowance taken at a higher rate spends no more than one at this rate would.
            entry.allowance = min(entry.allowance, Self.allowance(perSecond: rate))
            if entry.allowance > 0 {
                entry.allowance -= 1
                return .allowed
            }
            if let until = entry.emptyUntil {
                if until > now {
                    return .denied(retryAfter: max(1, Int(RequestRateLimiter.seconds(until - now).rounded(.up))))
                }
                entry.emptyUntil = nil
            }
            if entry.refilling { return .wait }
            entry.refilling = true
            return .refill
        }
    }

    /// Takes the next allowance from the tenant's bucket, then wakes the requests that waited for it.
    private func refill(_ tenantID: String, rate: Int) async {
        let wanted = Self.allowance(perSecond: rate)
        let outcome: RefillOutcome
        do {
            let rows = try await AutoPreparedStatement.run(
                """
                SELECT granted, remaining FROM notify.take_tenant_request_tokens(
                    \(tenantID), \(wanted)::integer, \(Double(rate)), \(rate * 2)::integer)
                """, on: client, logger: logger)
            let (granted, remaining) = try rows.first.map { try $0.decode((Int, Double).self) } ?? (0, 0)
            outcome = .granted(granted, remaining: remaining)
        } catch  where Task.isCancelled {
            // This request went away; a waiting one takes the allowance instead.
            outcome = .abandoned
        } catch {
            logger.warning(
                "the tenant's shared request limit could not be read; this process limits it on its own for a second",
                metadata: ["tenant": "\(tenantID)", LogKeys.errorCode: "\(error.notifyErrorCode)"])
            outcome = .unreadable
        }
        let now = ContinuousClock.now
        let waiters = entries.withLock { entries in
            var entry = entries[tenantID] ?? Entry()
            defer { entries[tenantID] = entry }
            switch outcome {
            case .granted(let granted, let remaining):
                entry.allowance += granted
                if granted == 0 {
                    let wait = (1 - remaining) / Double(rate)
                    entry.emptyUntil = now + .milliseconds(Int64((wait * 1000).rounded(.up)))
                }
            case .unreadable: entry.localUntil = now + .seconds(1)
            case .abandoned: break
            }
            entry.refilling = false
            let waiters = entry.waiters
            entry.waiters = []
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the refill under way has ended (at once if it already has).
    private func waitForRefill(_ tenantID: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waits = entries.withLock { entries in
                guard entries[tenantID]?.refilling == true else { return false }
                entries[tenantID]?.waiters.append(continuation)
                return true
            }
            if !waits { continuation.resume() }
        }
    }
}
