/// The input of `webhook-ingest`: one stored, verified provider callback.
public struct WebhookIngestInput: Codable, Sendable, Hashable {
    /// The tenant that owns the provider account the callback was addressed to.
    public var tenantID: String
    /// The row in `notify.provider_callbacks`.
    public var callbackID: Int64

    enum CodingKeys: String, CodingKey {
        case tenantID = "tenant_id"
        case callbackID = "callback_id"
    }

    /// Creates an input.
    public init(tenantID: String, callbackID: Int64) {
        self.tenantID = tenantID
        self.callbackID = callbackID
    }
}
