import Crypto
import Foundation
import Logging
import NotifyDelivery
import NotifyFunctionKit
import NotifyModel
import NotifyRuntime
import PostgresNIO

/// What the API's routes share: the database, the job producer, the keys for contact points and
/// access tokens, the inbox announcement hub and the rate limiter.
public struct APIDependencies: Sendable {
    /// The database pool.
    public let client: PostgresClient
    /// Enqueues `validate` work in the request's transaction.
    public let producer: JobProducer
    /// Encrypts contact points at rest.
    public let cipher: ContactCipher
    /// Keyed hashes of contact points for lookups and suppressions.
    public let hasher: LookupHasher
    /// Issues and verifies OAuth2 access tokens.
    public let tokens: AccessTokenIssuer
    /// Fans inbox announcements out to live streams.
    public let inbox: InboxHub
    /// Per-tenant request limits.
    public let limiter: TenantRateLimiter
    /// The process's logger.
    public let logger: Logger
    /// Builds provider clients; used to check a provider account's configuration before storing it.
    public let providerFactory: (any ProviderFactory)?
    /// The server's public base URL (`NOTIFY_PUBLIC_URL`), the URL providers sign callbacks with.
    public let publicURL: String?
    /// Verifies one-click unsubscribe links (``UnsubscribeToken``).
    public let unsubscribeKey: SymmetricKey?
    /// Makes accepted notifications durable, many requests per transaction.
    let acceptance: NotificationAcceptance

    /// Creates the dependencies.
    public init(
        client: PostgresClient, producer: JobProducer, cipher: ContactCipher, hasher: LookupHasher,
        tokens: AccessTokenIssuer, inbox: InboxHub, limiter: TenantRateLimiter = TenantRateLimiter(), logger: Logger,
        providerFactory: (any ProviderFactory)? = nil, publicURL: String? = nil, unsubscribeKey: SymmetricKey? = nil
    ) {
        self.unsubscribeKey = unsubscribeKey
        self.acceptance = NotificationAcceptance(client: client, producer: producer)
        self.publicURL = publicURL
        self.providerFactory = providerFactory
        self.client = client
        self.producer = producer
        self.cipher = cipher
        self.hasher = hasher
        self.tokens = tokens
        self.inbox = inbox
        self.limiter = limiter
        self.logger = logger
    }

    /// Runs a query and collects its rows.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await client.query(query, logger: logger) { rows.append(row) }
        return rows
    }

    /// Runs a query of every request as a prepared statement chosen by its text (see
    /// ``NotifyFunctionKit/AutoPreparedStatement``) and collects its rows. Its parameters must
    /// have the same type whatever their values: the first execution fixes them, so a parameter
    /// first bound NULL takes the type its use implies (cast it, as in `$1::text`).
    func preparedRows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await AutoPreparedStatement.run(query, on: client, logger: logger)
    }
}
