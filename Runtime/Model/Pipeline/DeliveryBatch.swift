import Foundation

/// The input of `preference-filter`, `render` and the `send-<channel>` functions: the deliveries of
/// one notification on one channel, named by their users.
///
/// Deliveries are unique per (notification, user, channel), so the batch names them without
/// carrying ids, and a stage that runs twice finds the same rows. Batches are small (at most
/// ``maximumSize`` users) so no stage holds a large transaction.
public struct DeliveryBatch: Codable, Sendable, Hashable {
    /// The most users one batch names.
    public static let maximumSize = 250

    /// The tenant that owns the notification.
    public var tenantID: String
    /// The notification.
    public var notificationID: UUID
    /// The channel of every delivery in the batch.
    public var channel: Channel
    /// Internal user ids (`notify.users.id`).
    public var userIDs: [Int64]
    /// Whether the notification's category has a timed fallback from this channel, as
    /// `preference-filter` read it; `false` lets the send step skip looking for one. Absent (nil)
    /// from batches other producers make, which then look.
    public var timedFallback: Bool?
    /// True when `validate` creates these deliveries, `pending`, in the transaction that enqueues
    /// this batch: a stage that runs inside validate's job, before that transaction commits, takes a
    /// delivery it cannot find yet as new and pending (one it finds keeps its stored state). Absent
    /// (nil) from every other producer's batches.
    public var newDeliveries: Bool?

    enum CodingKeys: String, CodingKey {
        case tenantID = "tenant_id"
        case notificationID = "notification_id"
        case channel
        case userIDs = "user_ids"
        case timedFallback = "timed_fallback"
        case newDeliveries = "new_deliveries"
    }

    /// Creates a batch.
    public init(tenantID: String, notificationID: UUID, channel: Channel, userIDs: [Int64]) {
        self.tenantID = tenantID
        self.notificationID = notificationID
        self.channel = channel
        self.userIDs = userIDs
    }

    /// Splits users into batches of at most ``maximumSize``.
    public static func split(
        tenantID: String, notificationID: UUID, channel: Channel, userIDs: [Int64]
    ) -> [DeliveryBatch] {
        stride(from: 0, to: userIDs.count, by: maximumSize).map { start in
            DeliveryBatch(
                tenantID: tenantID, notificationID: notificationID, channel: channel,
                userIDs: Array(userIDs[start..<min(start + maximumSize, userIDs.count)]))
        }
    }
}
