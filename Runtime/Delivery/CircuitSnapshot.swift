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
    /// Failures in a row recorded so far.
    public var consecutiveFailures: Int
    /// Whether the account had a message accepted since its configuration last changed.
    public var acceptedInCurrentConfiguration: Bool

    /// Creates a snapshot.
    public init(
        state: State, openUntil: Date? = nil, probeUntil: Date? = nil, consecutiveFailures: Int = 0,
        acceptedInCurrentConfiguration: Bool = false
    ) {
        self.state = state
        self.openUntil = openUntil
        self.probeUntil = probeUntil
        self.consecutiveFailures = consecutiveFailures
        self.acceptedInCurrentConfiguration = acceptedInCurrentConfiguration
    }

    /// Whether recording `successes` and nothing else would leave this circuit as it is (closed,
    /// no failures in a row), so the write can be skipped: one row every send of an account would
    /// otherwise update, each in its own commit.
    public func unchangedBySuccessesOnly(successes: Int, failures: Int, configurationFailure: Bool) -> Bool {
        successes > 0 && failures == 0 && !configurationFailure && state == .closed && consecutiveFailures == 0
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
