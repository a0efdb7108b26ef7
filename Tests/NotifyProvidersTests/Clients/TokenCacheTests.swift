import Foundation
import NotifyProviders
import Synchronization
import Testing

/// A settable clock.
final class TestClock: Sendable {
    private let value: Mutex<Date>
    init(_ start: Date) { value = Mutex(start) }
    var now: Date { value.withLock { $0 } }
    func advance(_ seconds: Double) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var function: @Sendable () -> Date { { self.now } }
}

@Suite("Token caching and refresh")
struct TokenCacheTests {
    @Test("concurrent sends share one refresh, and the token is reused until shortly before expiry")
    func singleFlight() async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_700_000_000))
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let counter = Mutex(0)
        let cache = OAuthTokenCache(refreshMargin: .seconds(300), now: clock.function) {
            let n = counter.withLock { value -> Int in
                value += 1
                return value
            }
            if n == 1 { for await _ in gate {} }  // the first refresh waits until the test opens the gate
            return .success(BearerToken(value: "t\(n)", expiresAt: clock.now.addingTimeInterval(3600)))
        }
        let results = await withTaskGroup(of: Result<BearerToken, ProviderFailure>.self) { group in
            for _ in 0..<20 { group.addTask { await cache.token() } }
            // Every task is waiting on the one refresh once the fetch has started; then release it.
            while cache.fetchCount == 0 { await Task.yield() }
            open.finish()
            var all: [Result<BearerToken, ProviderFailure>] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 20)
        #expect(results.allSatisfy { (try? $0.get().value) == "t1" })
        #expect(cache.fetchCount == 1)

        clock.advance(3600 - 301)
        #expect(try await cache.token().get().value == "t1")
        clock.advance(2)
        #expect(try await cache.token().get().value == "t2")
        #expect(cache.fetchCount == 2)
    }

    @Test("invalidating a refused token fetches a new one once; a stale invalidation does nothing")
    func invalidate() async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_700_000_000))
        let counter = Mutex(0)
        let cache = OAuthTokenCache(now: clock.function) {
            let n = counter.withLock { value -> Int in
                value += 1
                return value
            }
            return .success(BearerToken(value: "t\(n)", expiresAt: clock.now.addingTimeInterval(3600)))
        }
        let first = try await cache.token().get()
        cache.invalidate(first)
        let second = try await cache.token().get()
        #expect(second.value == "t2")
        cache.invalidate(first)
        #expect(try await cache.token().get() == second)
        #expect(cache.fetchCount == 2)
    }

    @Test("a caller whose deadline passes during a refresh gets token_timeout; the refresh still lands")
    func deadline() async throws {
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let cache = OAuthTokenCache {
            for await _ in gate {}  // held until the test opens the gate
            return .success(BearerToken(value: "late", expiresAt: Date().addingTimeInterval(3600)))
        }
        let early = await cache.token(deadline: .now + .milliseconds(100))
        #expect(early.failure?.code == "token_timeout")
        #expect(early.failure?.kind == .transient)
        open.finish()
        #expect(try await cache.token().get().value == "late")
        #expect(cache.fetchCount == 1)
    }

    @Test("a failed refresh is returned to every waiter and retried by the next call")
    func failure() async throws {
        let counter = Mutex(0)
        let cache = OAuthTokenCache {
            let n = counter.withLock { value -> Int in
                value += 1
                return value
            }
            if n == 1 {
                return .failure(ProviderFailure(kind: .transient, code: "fcm_token_server_error", message: "x"))
            }
            return .success(BearerToken(value: "ok", expiresAt: Date().addingTimeInterval(3600)))
        }
        guard case .failure(let failure) = await cache.token() else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.code == "fcm_token_server_error")
        #expect(try await cache.token().get().value == "ok")
    }

    @Test("APNs tokens are replaced after 40 minutes and never kept past 60")
    func apnsRefreshAge() async throws {
        let (configuration, _) = TestKeys.apnsConfiguration(baseURL: "http://127.0.0.1:1")
        let signer = try await APNsTokenSigner(configuration: configuration)
        let clock = TestClock(Date(timeIntervalSince1970: 1_700_000_000))
        let cache = OAuthTokenCache(refreshMargin: .zero, now: clock.function) {
            await signer.token(issuedAt: clock.now)
        }
        let first = try await cache.token().get()
        #expect(first.expiresAt == clock.now.addingTimeInterval(40 * 60))
        clock.advance(39 * 60)
        #expect(try await cache.token().get() == first)
        clock.advance(61)
        let second = try await cache.token().get()
        #expect(second != first)
        #expect(cache.fetchCount == 2)
        #expect(APNsTokenSigner.refreshAge < APNsTokenSigner.maximumAge)
        #expect(APNsTokenSigner.refreshAge >= APNsTokenSigner.minimumAge)
    }

    @Test("the FCM token answer is read, and refusals are configuration problems")
    func fcmTokenResponse() throws {
        let issuedAt = Date(timeIntervalSince1970: 1_700_000_000)
        let ok = FCMTokenSource.parseTokenResponse(
            ProviderHTTPResponse(
                status: 200, body: #"{"access_token":"ya29.x","expires_in":3599,"token_type":"Bearer"}"#),
            issuedAt: issuedAt)
        #expect(try ok.get() == BearerToken(value: "ya29.x", expiresAt: issuedAt.addingTimeInterval(3599)))
        let refused = FCMTokenSource.parseTokenResponse(
            ProviderHTTPResponse(status: 400, body: #"{"error":"invalid_grant","error_description":"Invalid JWT"}"#),
            issuedAt: issuedAt)
        #expect(refused.failure?.kind == .configuration)
        #expect(refused.failure?.code == "fcm_token_invalid_grant")
        let busy = FCMTokenSource.parseTokenResponse(ProviderHTTPResponse(status: 503, body: ""), issuedAt: issuedAt)
        #expect(busy.failure?.kind == .transient)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
