/// The input of `digest-close`: one digest to release. Enqueued at the window's end when the
/// digest opens, and at once when it reaches its size limit; a second close of the same digest
/// does nothing.
public struct DigestCloseInput: Codable, Sendable, Hashable {
    /// The tenant that owns the digest.
    public var tenantID: String
    /// `notify.digests.id`.
    public var digestID: Int64

    enum CodingKeys: String, CodingKey {
        case tenantID = "tenant_id"
        case digestID = "digest_id"
    }

    /// Creates an input.
    public init(tenantID: String, digestID: Int64) {
        self.tenantID = tenantID
        self.digestID = digestID
    }
}
