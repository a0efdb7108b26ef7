import Foundation
import NotifyProviders

/// One provider account a tenant routes a channel through, with its place in the route and the
/// shared state every process agrees on (circuit, rate limit).
public struct RouteCandidate: Sendable, Hashable {
    /// The account id (also the callback path segment).
    public var accountID: String
    /// The provider.
    public var kind: ProviderKind
    /// Lower positions are tried first.
    public var position: Int
    /// Traffic share among candidates at the same position.
    public var weight: Int
    /// What one message costs, in millionths of the account's currency unit.
    public var costMicros: Int64
    /// The send-rate limit across all processes, if any.
    public var ratePerSecond: Double?
    /// The largest burst the rate limit allows.
    public var burst: Int?
    /// Non-secret sender facts, such as `from` address or number.
    public var sender: [String: String]
    /// When the account was last changed; a changed account gets a new client.
    public var revision: Date
    /// The circuit as every process sees it.
    public var circuit: CircuitSnapshot

    /// Creates a candidate.
    public init(
        accountID: String, kind: ProviderKind, position: Int = 0, weight: Int = 100, costMicros: Int64 = 0,
        ratePerSecond: Double? = nil, burst: Int? = nil, sender: [String: String] = [:],
        revision: Date = Date(timeIntervalSince1970: 0), circuit: CircuitSnapshot = .closed
    ) {
        self.accountID = accountID
        self.kind = kind
        self.position = position
        self.weight = weight
        self.costMicros = costMicros
        self.ratePerSecond = ratePerSecond
        self.burst = burst
        self.sender = sender
        self.revision = revision
        self.circuit = circuit
    }

    /// Whether the account has had a message accepted since its configuration last changed, so
    /// it is known to reach the right service (APNs: the right environment).
    public var provenInCurrentConfiguration: Bool {
        circuit.acceptedInCurrentConfiguration
    }
}
