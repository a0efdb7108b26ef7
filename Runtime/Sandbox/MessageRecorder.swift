import NotifyProviders
import Synchronization

/// Everything the simulated providers received: a bounded list of recent messages plus exact
/// counts per provider. One lock, constant work per message.
public final class MessageRecorder: Sendable {
    private struct State {
        var ring: [RecordedMessage] = []
        var next = 0
        var sequence = 0
        var counts: [ProviderKind: ProviderCounts] = [:]
        var seen: [ProviderKind: Set<String>] = [:]
        var seenOrder: [(ProviderKind, String)] = []
        var seenNext = 0
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let keyCapacity: Int

    /// Keeps the last `capacity` messages, and the last `keyCapacity` accepted delivery ids for
    /// duplicate detection.
    public init(capacity: Int = 100_000, keyCapacity: Int = 1_000_000) {
        self.capacity = max(1, capacity)
        self.keyCapacity = max(1, keyCapacity)
    }

    /// Counts a request as received when it arrives, before its outcome is known.
    public func noteReceived(_ provider: ProviderKind) {
        state.withLock { $0.counts[provider, default: ProviderCounts()].received += 1 }
    }

    /// Records one answered request and counts its outcome; `countReceived` false when
    /// `noteReceived` already counted its arrival.
    @discardableResult
    public func record(_ message: RecordedMessage, countReceived: Bool = true) -> RecordedMessage {
        state.withLock { state in
            var message = message
            state.sequence += 1
            message.sequence = state.sequence
            var counts = state.counts[message.provider] ?? ProviderCounts()
            if countReceived { counts.received += 1 }
            if message.isAccepted {
                counts.accepted += 1
                if let key = message.deliveryID,
                    !Self.remember(key, for: message.provider, in: &state, limit: keyCapacity)
                {
                    counts.duplicates += 1
                }
            } else {
                counts.failed += 1
            }
            state.counts[message.provider] = counts
            if state.ring.count < capacity {
                state.ring.append(message)
            } else {
                state.ring[state.next] = message
            }
            state.next = (state.next + 1) % capacity
            return message
        }
    }

    /// Returns false when the key was already known.
    private static func remember(_ key: String, for provider: ProviderKind, in state: inout State, limit: Int) -> Bool {
        guard state.seen[provider, default: []].insert(key).inserted else { return false }
        if state.seenOrder.count < limit {
            state.seenOrder.append((provider, key))
        } else {
            let (oldProvider, oldKey) = state.seenOrder[state.seenNext]
            state.seen[oldProvider]?.remove(oldKey)
            state.seenOrder[state.seenNext] = (provider, key)
        }
        state.seenNext = (state.seenNext + 1) % limit
        return true
    }

    /// Recent messages in the order received, filtered (recipient containing `recipient`,
    /// sequence above `after`), the last `limit` of them.
    public func messages(
        provider: ProviderKind? = nil, recipient: String? = nil, after: Int = 0, limit: Int = 100
    ) -> [RecordedMessage] {
        guard limit > 0 else { return [] }
        // Newest first, stopping at `limit` matches or at `after`, so polling for recent
        // messages stays cheap however many are kept.
        var found: [RecordedMessage] = []
        state.withLock { state in
            var index = state.next
            for _ in 0..<state.ring.count {
                index = (index - 1 + state.ring.count) % state.ring.count
                let message = state.ring[index]
                if message.sequence <= after || found.count == limit { break }
                if (provider == nil || message.provider == provider)
                    && (recipient == nil || message.recipient?.contains(recipient!) == true)
                {
                    found.append(message)
                }
            }
        }
        return found.reversed()
    }

    /// Counts per provider (every provider, zero when nothing arrived).
    public func counts() -> [ProviderKind: ProviderCounts] {
        let counts = state.withLock { $0.counts }
        var all: [ProviderKind: ProviderCounts] = [:]
        for kind in ProviderKind.allCases where kind != .smtp || counts[kind] != nil {
            all[kind] = counts[kind] ?? ProviderCounts()
        }
        return all
    }

    /// Forgets every message, count and delivery id.
    public func clear() {
        state.withLock { $0 = State() }
    }
}
