import Hummingbird
import Logging

/// The request context of the HTTP API: the caller's tenant once authenticated, or the end user
/// for inbox routes.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated tenant; set by ``TenantAuthMiddleware``.
    public var tenantID: String?
    /// The authenticated end user of an inbox request; set by ``InboxAuthMiddleware``.
    public var inboxUser: InboxUser?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// The authenticated tenant; the auth middleware guarantees it on tenant routes.
    public func requireTenant() throws -> String {
        guard let tenantID else {
            throw APIError(
                .unauthorized, code: "unauthenticated", "send Authorization: Bearer <api key or access token>")
        }
        return tenantID
    }
}

/// An end user authenticated for the in-app inbox.
public struct InboxUser: Sendable, Hashable {
    /// The tenant the user belongs to.
    public var tenantID: String
    /// The internal user id.
    public var userID: Int64
    /// The tenant's id for the user.
    public var externalID: String
}
