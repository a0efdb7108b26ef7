import Foundation

/// Everything the preference filter knows about one delivery: the category's settings and the
/// user's preferences, suppressions and recent sends, gathered from the database beforehand.
public struct PreferenceFacts: Sendable, Hashable {
    /// The delivery's channel.
    public var channel: Channel
    /// The category's key, such as `order_shipped`.
    public var categoryKey: String
    /// Whether the category is transactional or marketing.
    public var categoryKind: CategoryKind
    /// Whether the category is critical (passcodes, security alerts). Critical transactional
    /// categories bypass opt-outs, frequency caps and quiet hours.
    public var critical: Bool
    /// What to do when the frequency cap is reached.
    public var capAction: FrequencyCapAction
    /// The user's explicit choice for this category on this channel; nil means the default (opted in).
    public var optedIn: Bool?
    /// Whether the address is on the tenant's suppression list.
    public var suppressed: Bool
    /// Whether the user has an address or device for the channel. Ignored for `inapp`, which
    /// always has one.
    public var hasAddress: Bool
    /// The user's quiet hours, if any.
    public var quietHours: QuietHours?
    /// The user's frequency cap for the category, if any.
    public var frequencyCap: FrequencyCap?
    /// Sends of this category to this user within the cap's window.
    public var sentInWindow: Int
    /// When the oldest of those sends happened, to compute when the cap frees up.
    public var oldestSentInWindow: Date?
    /// The category's digest mode, when it has a digest.
    public var digestMode: DigestMode?
    /// Whether this delivery is a released digest: it is never collected again and the frequency
    /// cap (which the digest answers) does not hold it; quiet hours still do.
    public var isDigestRelease: Bool

    /// Creates facts; the defaults describe a user who made no choices, has an address, is not
    /// suppressed and has no quiet hours or cap.
    public init(
        channel: Channel,
        categoryKey: String,
        categoryKind: CategoryKind,
        critical: Bool = false,
        capAction: FrequencyCapAction = .defer,
        optedIn: Bool? = nil,
        suppressed: Bool = false,
        hasAddress: Bool = true,
        quietHours: QuietHours? = nil,
        frequencyCap: FrequencyCap? = nil,
        sentInWindow: Int = 0,
        oldestSentInWindow: Date? = nil,
        digestMode: DigestMode? = nil,
        isDigestRelease: Bool = false
    ) {
        self.channel = channel
        self.categoryKey = categoryKey
        self.categoryKind = categoryKind
        self.critical = critical
        self.capAction = capAction
        self.optedIn = optedIn
        self.suppressed = suppressed
        self.hasAddress = hasAddress
        self.quietHours = quietHours
        self.frequencyCap = frequencyCap
        self.sentInWindow = sentInWindow
        self.oldestSentInWindow = oldestSentInWindow
        self.digestMode = digestMode
        self.isDigestRelease = isDigestRelease
    }

    /// Whether the category bypasses opt-outs, frequency caps and quiet hours: critical and
    /// transactional. A marketing category is never critical in effect.
    public var bypassesUserLimits: Bool { critical && categoryKind == .transactional }
}
