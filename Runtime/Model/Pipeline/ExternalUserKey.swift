/// A user to look up by the tenant's own id for it, as one row of a `jsonb` recordset read as
/// `jsonb_to_recordset(…) AS r(ord bigint, tenant_id text, external_id text)` (see
/// `RecordSetJSON` in the function kit): `ord` says which request of a batch asked.
public struct ExternalUserKey: Encodable, Sendable {
    /// The index of the request that names the user.
    public var ord: Int
    /// The user's tenant.
    public var tenantID: String
    /// The user's id in the tenant's own system.
    public var externalID: String

    /// Creates a key.
    public init(ord: Int, tenantID: String, externalID: String) {
        self.ord = ord
        self.tenantID = tenantID
        self.externalID = externalID
    }

    enum CodingKeys: String, CodingKey {
        case ord
        case tenantID = "tenant_id"
        case externalID = "external_id"
    }
}
