import Foundation
import Synchronization

/// SendGrid events waiting to be posted together, as SendGrid batches them per flush.
final class SendGridEventBatch: Sendable {
    private let pending = Mutex<[Data]>([])

    /// Adds encoded event objects.
    func append(_ events: [Data]) {
        pending.withLock { $0.append(contentsOf: events) }
    }

    /// Takes everything pending as one JSON array body (nil when empty), at most `limit` events.
    func drain(limit: Int = 1000) -> Data? {
        let events = pending.withLock { pending -> [Data] in
            let taken = Array(pending.prefix(limit))
            pending.removeFirst(taken.count)
            return taken
        }
        guard !events.isEmpty else { return nil }
        var body = Data("[".utf8)
        for (index, event) in events.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(event)
        }
        body.append(contentsOf: Array("]\r\n".utf8))
        return body
    }
}
