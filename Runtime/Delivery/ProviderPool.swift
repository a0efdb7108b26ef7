import Foundation
import Logging
import NotifyModel
import NotifyProviders
import Synchronization

/// The provider clients of one process, one per account, built on first use from the account's
/// decrypted configuration and rebuilt when the account changes. Clients are long-lived because
/// they hold connection pools and cached auth tokens (FCM access tokens, APNs provider tokens).
public final class ProviderPool: Sendable {
    /// A client and the account facts the sender needs with it.
    public struct Resolved: Sendable {
        /// The client.
        public let provider: any MessageProvider
        /// The account's outbound-webhook signing secret, for webhook accounts.
        public let signingSecret: String?
    }

    private let factory: any ProviderFactory
    private let cipher: ContactCipher
    private let cache = Mutex<[String: (revision: Date, resolved: Resolved)]>([:])

    /// Creates an empty pool.
    public init(factory: any ProviderFactory, cipher: ContactCipher) {
        self.factory = factory
        self.cipher = cipher
    }

    /// The client for an account, building it from `configCipher` when the cache has none for this
    /// revision.
    public func resolve(_ candidate: RouteCandidate, configCipher: [UInt8], logger: Logger) async throws -> Resolved {
        if let cached = cache.withLock({ $0[candidate.accountID] }), cached.revision == candidate.revision {
            return cached.resolved
        }
        let configuration = Data(try cipher.open(configCipher).utf8)
        let provider = try await factory.makeProvider(
            accountID: candidate.accountID, kind: candidate.kind, configuration: configuration, logger: logger)
        let object = (try? JSONSerialization.jsonObject(with: configuration)) as? [String: Any]
        let resolved = Resolved(provider: provider, signingSecret: object?["signing_secret"] as? String)
        cache.withLock { $0[candidate.accountID] = (candidate.revision, resolved) }
        return resolved
    }
}
