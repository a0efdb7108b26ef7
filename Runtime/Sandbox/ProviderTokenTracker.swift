import NIOCore
import Synchronization

/// The APNs provider token each connection last used, to refuse token churn: a connection that
/// presents a new token less than 20 minutes after its previous one gets 429
/// `TooManyProviderTokenUpdates`, as APNs answers.
final class ProviderTokenTracker: Sendable {
    private struct Entry {
        var token: String
        var since: ContinuousClock.Instant
    }

    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])
    let minimumInterval: Duration

    init(minimumInterval: Duration = .seconds(20 * 60)) {
        self.minimumInterval = minimumInterval
    }

    /// Records the token for the connection; false when it replaces another too soon.
    func accept(_ token: String, connection: any Channel) -> Bool {
        let id = ObjectIdentifier(connection)
        let now = ContinuousClock.now
        let (allowed, isNew) = entries.withLock { entries -> (Bool, Bool) in
            guard let entry = entries[id] else {
                entries[id] = Entry(token: token, since: now)
                return (true, true)
            }
            if entry.token == token { return (true, false) }
            guard now - entry.since >= minimumInterval else { return (false, false) }
            entries[id] = Entry(token: token, since: now)
            return (true, false)
        }
        if isNew {
            connection.closeFuture.whenComplete { _ in _ = self.entries.withLock { $0.removeValue(forKey: id) } }
        }
        return allowed
    }
}
