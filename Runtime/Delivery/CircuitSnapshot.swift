import Foundation

/// A provider account's circuit as read from `notify.provider_circuits`.
public struct CircuitSnapshot: Sendable, Hashable {
    /// The breaker's state.
    public enum State: String, Sendable, Hashable {
        /// Sending normally.
        case closed
        /// Not sending until `openUntil`.
        case open
        /// One process is probing with a single message.
        case halfOpen = "half_open"
    }

    public var state: State
    /// When an open circuit may be probed.
    public var openUntil: Date?
    /// Until when a half-open circuit's probe belongs to the process that took it.
    public var probeUntil: Date?

    /// Creates a snapshot.
    public init(state: State, openUntil: Date? = nil, probeUntil: Date? = nil) {
        self.state = state
        self.openUntil = openUntil
        self.probeUntil = probeUntil
    }

    /// A closed circuit.
    public static let closed = CircuitSnapshot(state: .closed)

    /// What this process may do with the account now.
    public func admission(now: Date) -> CircuitAdmission {
        switch state {
        case .closed:
            return .send
        case .open:
            guard let openUntil, openUntil <= now else { return .skip }
            return .probe
        case .halfOpen:
            guard let probeUntil, probeUntil <= now else { return .skip }
            return .probe
        }
    }
}

/// Whether a batch may use a provider account.
public enum CircuitAdmission: Sendable, Hashable {
    /// The circuit is closed: send everything.
    case send
    /// The circuit may be probed: try to take the probe, then send one message.
    case probe
    /// The circuit is open: use the next provider.
    case skip
}
