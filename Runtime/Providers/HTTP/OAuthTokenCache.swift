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
    public func token() async -> Result<BearerToken, ProviderFailure> {
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
            // Unstructured on purpose: the refresh is shared by every waiting send, so one send's
            // cancellation must not cancel it for the others. `fetch` has its own deadline.
            let refresh = Task { [fetch] in await fetch() }
            state.refresh = refresh
            return .wait(refresh)
        }
        let task: Task<Result<BearerToken, ProviderFailure>, Never>
        switch step {
        case .cached(let token): return .success(token)
        case .wait(let refresh): task = refresh
        }
        let result = await task.value
        state.withLock { state in
            if state.refresh == task {
                state.refresh = nil
                if case .success(let token) = result { state.current = token }
            }
        }
        return result
    }

    /// Forgets `token` if it is still the cached one, so the next `token()` fetches a new one.
    public func invalidate(_ token: BearerToken) {
        state.withLock { state in
            if state.current == token { state.current = nil }
        }
    }
}
