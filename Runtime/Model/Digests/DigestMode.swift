/// When a digest category collects deliveries instead of sending them one by one.
public enum DigestMode: String, Codable, Sendable, CaseIterable, Hashable {
    /// Every delivery of the category that passes the user's filters is collected.
    case always
    /// Only deliveries over the user's frequency cap are collected (the category's `cap_action`
    /// is `digest`); those under the cap are sent at once.
    case overCap = "over_cap"
}
