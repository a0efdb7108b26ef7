/// A user's frequency cap for a category: at most `limit` sends within any `windowSeconds`.
///
/// JSON: `{"limit":3,"window_seconds":86400}`.
public struct FrequencyCap: Codable, Sendable, Hashable {
    /// The shortest window allowed, one minute.
    public static let minimumWindowSeconds = 60
    /// The longest window allowed, 31 days.
    public static let maximumWindowSeconds = 31 * 86_400

    /// The most sends allowed within the window; at least 1.
    public var limit: Int
    /// The sliding window's length in seconds, from 60 (one minute) to 2 678 400 (31 days).
    public var windowSeconds: Int

    enum CodingKeys: String, CodingKey {
        case limit
        case windowSeconds = "window_seconds"
    }

    /// Creates a cap; call `validate()` before storing it.
    public init(limit: Int, windowSeconds: Int) {
        self.limit = limit
        self.windowSeconds = windowSeconds
    }

    /// Checks the limit is at least 1 and the window between one minute and 31 days. Throws
    /// `invalid_frequency_cap`.
    public func validate() throws(ModelError) {
        var problems: [String] = []
        if limit < 1 {
            problems.append("limit is \(limit); use 1 or more sends")
        }
        if !(Self.minimumWindowSeconds...Self.maximumWindowSeconds).contains(windowSeconds) {
            problems.append(
                "window_seconds is \(windowSeconds); use \(Self.minimumWindowSeconds) (one minute) to "
                    + "\(Self.maximumWindowSeconds) (31 days)")
        }
        if !problems.isEmpty {
            throw ModelError(code: "invalid_frequency_cap", "frequency cap: " + problems.joined(separator: "; "))
        }
    }
}
