import Foundation

/// The deliveries of several batches as rows, for statements that look each one up by its key
/// (`unnest` of these arrays, then a lookup per row): the index of the batch it belongs to, and its
/// notification, tenant, channel and user. A user listed twice in one batch is one row.
///
/// Give the arrays behind sub-selects, `unnest((SELECT $1::bigint[]), …)`: bound directly, the
/// planner counts each array's elements when it plans for the values given, so for a batch of a
/// few rows that plan always looks cheaper than the generic one and PostgreSQL plans the statement
/// on every call (0.2–0.5 ms each, more than running it). Behind a sub-select neither plan knows
/// the count, both cost the same, and PostgreSQL keeps the generic plan after five calls; a batch
/// of 250 rows runs as fast as with bare arrays. Look every row up by key
/// (`CROSS JOIN LATERAL (… OFFSET 0)`): the generic plan is costed for ten rows.
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
}
