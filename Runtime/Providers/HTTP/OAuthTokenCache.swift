import Foundation
import Synchronization

/// A bearer token with its expiry.
public struct BearerToken: Sendable, Hashable {
    /// The token value; never log it.
    public var value: String
    /// When the provider stops accepting it.
    public var expiresAt: Date

    /// Creates a token.
    public init(value: String, expiresAt: Date) {
        self.value = value
        self.expiresAt = expiresAt
    }
}

/// Caches one access token and refreshes it single-flight: however many sends need a token at
/// once, at most one refresh is in flight and all of them wait for it.
///
/// A token is used until `refreshMargin` before it expires. `invalidate(_:)` drops a token the
/// provider refused (a 401), unless a newer one already replaced it, so a burst of 401s causes one
/// refresh, not many.
public final class OAuthTokenCache: Sendable {
    /// Fetches a new token, classifying its own failures.
    public typealias Fetch = @Sendable () async -> Result<BearerToken, ProviderFailure>

    private struct State {
        var current: BearerToken?
        var refresh: Task<Result<BearerToken, ProviderFailure>, Never>?
        var fetches = 0
    }

    private let state = Mutex(State())
    private let fetch: Fetch
    private let now: @Sendable () -> Date
    private let refreshMargin: Duration

    /// Creates an empty cache.
    /// - Parameters:
    ///   - refreshMargin: how long before expiry a token is replaced (default 5 minutes).
    ///   - now: the clock (injectable for tests).
    ///   - fetch: gets a new token from the provider.
    public init(
        refreshMargin: Duration = .seconds(300), now: @escaping @Sendable () -> Date = { Date() },
        fetch: @escaping Fetch
    ) {
        self.refreshMargin = refreshMargin
        self.now = now
        self.fetch = fetch
    }

    /// How many times the cache has fetched a token (for tests and metrics).
    public var fetchCount: Int { state.withLock { $0.fetches } }

    /// A valid token, fetching one if the cached token is missing or about to expire.
    ///
    /// With a `deadline`, a caller that would wait past it for a refresh gets a transient
    /// `token_timeout` instead; the refresh goes on for the others.
    public func token(deadline: ContinuousClock.Instant? = nil) async -> Result<BearerToken, ProviderFailure> {
        let margin = Double(refreshMargin.components.seconds)
        enum Step {
            case cached(BearerToken)
            case wait(Task<Result<BearerToken, ProviderFailure>, Never>)
        }
        let step: Step = state.withLock { state in
            if let current = state.current, current.expiresAt.timeIntervalSince(now()) > margin {
                return .cached(current)
            }
            if let refresh = state.refresh { return .wait(refresh) }
            state.fetches += 1
            let generation = state.fetches
            // Unstructured on purpose: the refresh is shared by every waiting send, so one send's
            // cancellation or deadline must not cancel it for the others. `fetch` has its own
            // deadline. The refresh stores its own result, whether or not anyone still waits.
            let refresh = Task { [fetch] in
                let result = await fetch()
                self.state.withLock { state in
                    guard state.fetches == generation else { return }
                    state.refresh = nil
                    if case .success(let token) = result { state.current = token }
                }
                return result
            }
            state.refresh = refresh
            return .wait(refresh)
        }
        let task: Task<Result<BearerToken, ProviderFailure>, Never>
        switch step {
        case .cached(let token): return .success(token)
        case .wait(let refresh): task = refresh
        }
        return await Self.wait(for: task, deadline: deadline)
    }

    private static func wait(
        for task: Task<Result<BearerToken, ProviderFailure>, Never>, deadline: ContinuousClock.Instant?
    ) async -> Result<BearerToken, ProviderFailure> {
        guard let deadline else { return await task.value }
        let timeout = ProviderFailure(
            kind: .transient, code: "token_timeout", message: "No access token arrived before the send's deadline.")
        guard deadline > .now else { return .failure(timeout) }
        return await withCheckedContinuation { continuation in
            let once = ResumeOnce(continuation)
            // Both tasks are unstructured because waiting on a shared Task cannot be cancelled:
            // whichever finishes first answers the caller; the refresh itself is bounded by the
            // fetch's own timeout, and the timer is cancelled as soon as the refresh answers.
            // The refresh's answer is resumed before the timer is cancelled, and a cancelled
            // timer never answers, so a refresh that lands in time is never reported as a timeout.
            let timer = Task {
                do {
                    try await Task.sleep(until: deadline, clock: .continuous)
                } catch {
                    return
                }
                once.resume(.failure(timeout))
            }
            Task {
                let result = await task.value
                once.resume(result)
                timer.cancel()
            }
        }
    }

    /// Forgets `token` if it is still the cached one, so the next `token()` fetches a new one.
    public func invalidate(_ token: BearerToken) {
        state.withLock { state in
            if state.current == token { state.current = nil }
        }
    }
}

/// Resumes a continuation once; later results are dropped.
private final class ResumeOnce: Sendable {
    private let continuation: Mutex<CheckedContinuation<Result<BearerToken, ProviderFailure>, Never>?>

    init(_ continuation: CheckedContinuation<Result<BearerToken, ProviderFailure>, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(_ result: Result<BearerToken, ProviderFailure>) {
        let taken = continuation.withLock { value in
            defer { value = nil }
            return value
        }
        taken?.resume(returning: result)
    }
}
