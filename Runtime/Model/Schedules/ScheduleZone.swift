import Foundation

/// Where a recurring schedule's wall-clock occurrences are read: one IANA zone, or each
/// recipient's own zone (`"recipient"`), in which case each occurrence is a local-time send.
public enum ScheduleZone: Sendable, Hashable {
    /// One zone for every recipient, with its name as given: Foundation answers some zones by
    /// another name (`TimeZone(identifier: "UTC")` is `GMT` on Linux), and a schedule shows the one
    /// its author wrote.
    case zone(TimeZone, name: String)
    /// Each recipient's zone (``LocalTimeRelease``).
    case recipient

    /// The stored name of the per-recipient mode.
    public static let recipientName = "recipient"

    /// Parses `"recipient"` or an IANA zone name such as `Europe/Berlin`.
    public init(parsing name: String) throws(ModelError) {
        if name == Self.recipientName {
            self = .recipient
            return
        }
        guard !name.isEmpty, name.count <= 64, let zone = TimeZone(identifier: name) else {
            throw ModelError(
                code: "unknown_timezone",
                "\"\(name.prefix(64))\" is not an IANA time zone; use a name such as Europe/Berlin or America/New_York, or \"recipient\" for each recipient's own zone"
            )
        }
        self = .zone(zone, name: name)
    }

    /// The stored name.
    public var name: String {
        switch self {
        case .zone(_, let name): name
        case .recipient: Self.recipientName
        }
    }
}
