/// A priority lane. Lower lanes are claimed first, and every worker keeps capacity reserved for
/// ``critical`` work, so a one-time passcode never waits behind a marketing blast.
public enum Lane: Int16, Sendable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    /// One-time passcodes, security alerts: claimed first, with reserved capacity.
    case critical = 0
    /// Ordinary transactional notifications.
    case transactional = 1
    /// Campaigns, digests and other bulk traffic.
    case bulk = 2

    public static func < (lhs: Lane, rhs: Lane) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .critical: "critical"
        case .transactional: "transactional"
        case .bulk: "bulk"
        }
    }

    /// Parses `critical`, `transactional`, `bulk` or the lane number.
    public init?(name: String) {
        switch name.lowercased() {
        case "critical", "0", "high": self = .critical
        case "transactional", "1", "normal": self = .transactional
        case "bulk", "2", "low": self = .bulk
        default: return nil
        }
    }
}
