import Foundation

/// The input of the `validate` function: one notification to check and expand, from `cursor` on.
public struct ValidateInput: Codable, Sendable, Hashable {
    /// The tenant that owns the notification.
    public var tenantID: String
    /// The notification to validate.
    public var notificationID: UUID
    /// Where expansion continues: the last topic subscriber's user id, or the offset into a user
    /// list. `nil` on the first batch.
    public var cursor: Int64?

    enum CodingKeys: String, CodingKey {
        case tenantID = "tenant_id"
        case notificationID = "notification_id"
        case cursor
    }

    /// Creates an input.
    public init(tenantID: String, notificationID: UUID, cursor: Int64? = nil) {
        self.tenantID = tenantID
        self.notificationID = notificationID
        self.cursor = cursor
    }
}
