import Foundation

/// The deliveries of several batches as rows, for statements that look each one up by its key
/// (`unnest` of these arrays, then a lookup per row): the index of the batch it belongs to, and its
/// notification, tenant, channel and user. A user listed twice in one batch is one row.
///
/// Statements take these arrays behind sub-selects, `unnest((SELECT $1::bigint[]), …)`, so that
/// PostgreSQL plans them once per connection (see ``NotifyFunctionKit/AutoPreparedStatement``).
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
        var rows = 0
        for (index, batch) in batches.enumerated() where include(index) { rows += batch.userIDs.count }
        batchIndexes.reserveCapacity(rows)
        notificationIDs.reserveCapacity(rows)
        tenantIDs.reserveCapacity(rows)
        channels.reserveCapacity(rows)
        userIDs.reserveCapacity(rows)
        for (index, batch) in batches.enumerated() where include(index) {
            // A batch of one user (most of them) needs no set to drop repeats.
            var seen = Set<Int64>()
            for user in batch.userIDs where batch.userIDs.count == 1 || seen.insert(user).inserted {
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
}
