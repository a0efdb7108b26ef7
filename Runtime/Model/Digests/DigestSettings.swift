/// A category's digest: deliveries collect per (user, channel) into one message, released when
/// the window ends or the size limit is reached, whichever comes first.
///
/// JSON: `{"window_seconds":3600,"max_items":50,"template":"daily-digest","mode":"always"}`.
/// The digest template sees `count`, `items` (each collected notification's data, in the order
/// they were collected) and `category`.
public struct DigestSettings: Codable, Sendable, Hashable {
    /// The shortest window, one second.
    public static let minimumWindowSeconds = 1
    /// The longest window, 31 days.
    public static let maximumWindowSeconds = 31 * 86_400
    /// The smallest size limit: a digest of one item would be the notification itself.
    public static let minimumItems = 2
    /// The largest size limit, which bounds the digest's data.
    public static let maximumItems = 1000

    /// How long a digest stays open after its first item, in seconds.
    public var windowSeconds: Int
    /// How many items close a digest early.
    public var maxItems: Int
    /// The template key the digest is rendered with.
    public var templateKey: String
    /// Whether every delivery collects, or only those over the frequency cap.
    public var mode: DigestMode

    enum CodingKeys: String, CodingKey {
        case windowSeconds = "window_seconds"
        case maxItems = "max_items"
        case templateKey = "template"
        case mode
    }

    /// Creates settings; call ``parse(_:)`` for untrusted input.
    public init(windowSeconds: Int, maxItems: Int, templateKey: String, mode: DigestMode = .always) {
        self.windowSeconds = windowSeconds
        self.maxItems = maxItems
        self.templateKey = templateKey
        self.mode = mode
    }
}
