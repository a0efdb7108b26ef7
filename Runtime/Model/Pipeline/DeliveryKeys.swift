import Foundation
import NotifyFunctionKit

/// The deliveries of several batches as rows, for statements that look each one up by its key
/// (`unnest` of these arrays, or ``recordSet(categoryKeys:)``, then a lookup per row): the index of the batch it belongs to, and its
/// notification, tenant, channel and user. A user listed twice in one batch is one row.
public struct DeliveryKeys: Sendable {
    /// Per row, the index of its batch in the batches given.
    public private(set) var batchIndexes: [Int64] = []
    /// Per row, its notification.
    public private(set) var notificationIDs: [UUID] = []
    /// Per row, its tenant.
    public private(set) var tenantIDs: [String] = []
    /// Per row, its channel's name.
    public private(set) var channels: [String] = []
    /// Per row, its user.
    public private(set) var userIDs: [Int64] = []

    /// The rows of the batches for which `include` (given the batch's index) is true.
    public init(_ batches: [DeliveryBatch], where include: (Int) -> Bool = { _ in true }) {
        for (index, batch) in batches.enumerated() where include(index) {
            var seen = Set<Int64>()
            for user in batch.userIDs where seen.insert(user).inserted {
                batchIndexes.append(Int64(index))
                notificationIDs.append(batch.notificationID)
                tenantIDs.append(batch.tenantID)
                channels.append(batch.channel.rawValue)
                userIDs.append(user)
            }
        }
    }

    /// True when there is no row.
    public var isEmpty: Bool { userIDs.isEmpty }

    /// Per row, `value` of its batch's index: a column more for the statement.
    public func perRow<Value>(_ value: (Int) -> Value) -> [Value] {
        batchIndexes.map { value(Int($0)) }
    }

    /// The columns of ``recordSet(categoryKeys:)``'s rows, for
    /// `jsonb_to_recordset(…) AS r(\(DeliveryKeys.recordColumns))`; `category_key` is null when
    /// no category keys were given.
    public static let recordColumns =
        "ord bigint, notification_id uuid, tenant_id text, channel text, user_id bigint, category_key text"

    /// The rows as one JSON array, for statements PostgreSQL should plan once per connection
    /// rather than on every call (see ``NotifyFunctionKit/RecordSetJSON``): `ord` is the batch's
    /// index, and `categoryKeys`, when given, one key per batch.
    public func recordSet(categoryKeys: [String]? = nil) throws -> String {
        let rows = batchIndexes.indices.map { row in
            Row(
                ord: batchIndexes[row], notificationID: notificationIDs[row], tenantID: tenantIDs[row],
                channel: channels[row], userID: userIDs[row], categoryKey: categoryKeys?[Int(batchIndexes[row])])
        }
        return try RecordSetJSON.encode(rows)
    }

    /// One row of ``recordSet(categoryKeys:)``.
    private struct Row: Encodable {
        var ord: Int64
        var notificationID: UUID
        var tenantID: String
        var channel: String
        var userID: Int64
        var categoryKey: String?

        enum CodingKeys: String, CodingKey {
            case ord, channel
            case notificationID = "notification_id"
            case tenantID = "tenant_id"
            case userID = "user_id"
            case categoryKey = "category_key"
        }
    }
}
