import Synchronization

/// Values already worked out, by key, shared by every task of the process: at most `capacity` of
/// them, and when it is full the memo starts again empty (the keys it serves come back quickly, so
/// a full reset costs a few recomputations and needs no bookkeeping of use).
///
/// Only for values a key always determines (a template's text, a locale question): a memo never
/// goes stale, it only forgets.
public final class BoundedMemo<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// The most values remembered.
    public let capacity: Int
    private let entries = Mutex<[Key: Value]>([:])

    /// Creates an empty memo of at most `capacity` values.
    public init(capacity: Int) {
        precondition(capacity >= 1)
        self.capacity = capacity
    }

    /// The value remembered for `key`, or the one `make` returns, remembered. A failure of `make`
    /// is not remembered.
    public func value<Failure: Error>(
        for key: Key, orMake make: () throws(Failure) -> Value
    ) throws(Failure) -> Value {
        if let known = entries.withLock({ $0[key] }) { return known }
        let value = try make()
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
        return value
    }

    /// The number of values remembered.
    public var count: Int { entries.withLock { $0.count } }
}
