import Hummingbird
import Logging
import NotifyHTTP
import NotifyRuntime

/// The HTTP shim: the tenant API under `/v1`, the end-user inbox under `/v1/inbox`,
/// `POST /oauth/token`, `/openapi.json`, and the operations routes (`/healthz`, `/readyz`,
/// `/metrics`) on one listener.
public struct APIServer: Sendable {
    let dependencies: APIDependencies
    let operations: OperationsServer
    let inboxOrigins: InboxOrigins

    /// Creates the server's routes' dependencies; web pages of `inboxOrigins` may call the inbox
    /// API from the browser.
    public init(dependencies: APIDependencies, operations: OperationsServer, inboxOrigins: InboxOrigins = .any) {
        self.dependencies = dependencies
        self.operations = operations
        self.inboxOrigins = inboxOrigins
    }

    /// The router with every route.
    public func router() -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: DedicatedExecutorMiddleware())
        // Outside the problem middleware, so that error answers carry the CORS headers too.
        router.add(middleware: InboxCORSMiddleware(origins: inboxOrigins))
        router.add(middleware: ProblemMiddleware())
        operations.addRoutes(to: router)
        router.get("openapi.json") { _, _ in OpenAPIDocument.response() }
        OAuthRoutes(dependencies: dependencies).add(to: router)
        WebhookRoutes(dependencies: dependencies).add(to: router)
        UnsubscribeRoutes(dependencies: dependencies).add(to: router)
        let inbox = router.group("v1/inbox").add(middleware: InboxAuthMiddleware(dependencies: dependencies))
        InboxRoutes(dependencies: dependencies).add(to: inbox)
        let tenant = router.group("v1").add(middleware: TenantAuthMiddleware(dependencies: dependencies))
        NotificationRoutes(dependencies: dependencies).add(to: tenant)
        NotificationListRoutes(dependencies: dependencies).add(to: tenant)
        UserBatchRoutes(dependencies: dependencies).add(to: tenant)
        UserRoutes(dependencies: dependencies).add(to: tenant)
        DeviceRoutes(dependencies: dependencies).add(to: tenant)
        PreferenceRoutes(dependencies: dependencies).add(to: tenant)
        SuppressionRoutes(dependencies: dependencies).add(to: tenant)
        DigestRoutes(dependencies: dependencies).add(to: tenant)
        DeliveryLogRoutes(dependencies: dependencies).add(to: tenant)
        CategoryRoutes(dependencies: dependencies).add(to: tenant)
        TemplateRoutes(dependencies: dependencies).add(to: tenant)
        TopicRoutes(dependencies: dependencies).add(to: tenant)
        TopicListRoutes(dependencies: dependencies).add(to: tenant)
        ProviderRoutes(dependencies: dependencies).add(to: tenant)
        RouteRoutes(dependencies: dependencies).add(to: tenant)
        EventSubscriptionRoutes(dependencies: dependencies).add(to: tenant)
        CampaignRoutes(dependencies: dependencies).add(to: tenant)
        SegmentRoutes(dependencies: dependencies).add(to: tenant)
        ScheduleRoutes(dependencies: dependencies).add(to: tenant)
        return router
    }

    /// A Hummingbird application serving every route on `host:port`.
    /// `onServerRunning` receives the bound port (useful with port 0).
    public func application(
        host: String, port: Int, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "notify"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
