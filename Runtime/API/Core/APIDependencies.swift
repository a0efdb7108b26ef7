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
    /// Per-tenant request limits, shared by every API process.
    public let limiter: SharedRequestLimiter
    /// Per-user request limits of the inbox API, at ``inboxRequestsPerSecond``.
    public let inboxLimiter: RequestRateLimiter
    /// The requests per second each end user may make of the inbox API (`NOTIFY_INBOX_REQUESTS_PER_SECOND`),
    /// with a burst of twice that.
    public let inboxRequestsPerSecond: Int
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
    /// The reads of every request, shared by concurrent requests.
    let lookups: APILookups

    /// Creates the dependencies.
    public init(
        client: PostgresClient, producer: JobProducer, cipher: ContactCipher, hasher: LookupHasher,
        tokens: AccessTokenIssuer, inbox: InboxHub, logger: Logger,
        providerFactory: (any ProviderFactory)? = nil, publicURL: String? = nil, unsubscribeKey: SymmetricKey? = nil,
        inboxRequestsPerSecond: Int = 10
    ) {
        self.inboxLimiter = RequestRateLimiter()
        self.inboxRequestsPerSecond = inboxRequestsPerSecond
        self.unsubscribeKey = unsubscribeKey
        self.acceptance = NotificationAcceptance(client: client, producer: producer)
        self.lookups = APILookups(client: client)
        self.publicURL = publicURL
        self.providerFactory = providerFactory
        self.client = client
        self.producer = producer
        self.cipher = cipher
        self.hasher = hasher
        self.tokens = tokens
        self.inbox = inbox
        self.limiter = SharedRequestLimiter(client: client, logger: logger)
        self.logger = logger
    }

    /// Runs a query and collects its rows.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await client.query(query, logger: logger) { rows.append(row) }
        return rows
    }
}
