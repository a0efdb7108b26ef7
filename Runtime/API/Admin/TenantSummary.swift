import Foundation

/// A tenant's settings as an operator lists them (`notify tenants list`): never its secrets.
public struct TenantSummary: Sendable, Encodable, Equatable {
    /// The tenant's id.
    public let id: String
    /// Its display name.
    public let name: String
    /// API requests a second it may make, across every API process (burst twice that).
    public let requestsPerSecond: Int
    /// The locale of its users who have none.
    public let defaultLocale: String
    /// The time zone of its users who have none.
    public let defaultTimeZone: String
    /// Days its finished notifications' records are kept, or nil to keep them.
    public let retentionDays: Int?
    /// How its end users authenticate to the inbox: `signature_or_token` or `token`.
    public let inboxAuth: String
    /// When it was created.
    public let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name
        case requestsPerSecond = "requests_per_second"
        case defaultLocale = "default_locale"
        case defaultTimeZone = "default_timezone"
        case retentionDays = "retention_days"
        case inboxAuth = "inbox_auth"
        case createdAt = "created_at"
    }
}
