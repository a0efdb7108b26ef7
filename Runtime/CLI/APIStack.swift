import AsyncHTTPClient
import Logging
import NotifyAPI
import NotifyDelivery
import NotifyHTTP
import NotifyModel
import NotifyRuntime
import PostgresNIO

/// The HTTP API's parts for one process: the inbox hub (a Service) and the server.
struct APIStack {
    let inbox: InboxHub
    let server: APIServer

    init(
        url: DatabaseURL, client: PostgresClient, producer: JobProducer, secrets: EngineSecrets,
        operations: OperationsServer, publicURL: String?, inboxOrigins: InboxOrigins, inboxRequestsPerSecond: Int,
        logger: Logger
    ) async {
        inbox = InboxHub(databaseURL: url, logger: logger)
        let dependencies = APIDependencies(
            client: client, producer: producer, cipher: secrets.cipher, hasher: secrets.hasher,
            tokens: await AccessTokenIssuer(signingKey: secrets.tokenKey), inbox: inbox, logger: logger,
            providerFactory: StandardProviderFactory(httpClient: HTTPClient.shared), publicURL: publicURL,
            unsubscribeKey: UnsubscribeToken.key(fromTokenKey: secrets.tokenKey),
            inboxRequestsPerSecond: inboxRequestsPerSecond)
        server = APIServer(dependencies: dependencies, operations: operations, inboxOrigins: inboxOrigins)
    }
}
