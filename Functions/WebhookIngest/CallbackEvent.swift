/// One provider callback event, normalised: which delivery it concerns, what happened, and what it
/// means for the recipient's contact point. Addresses here are only used to compute keyed hashes.
struct CallbackEvent: Sendable, Hashable {
    /// What happened, as a timeline event kind.
    enum Kind: String, Sendable, Hashable {
        case delivered
        case undelivered
        case bounced
        case deferred
        case dropped
        case opened
        case clicked
        case spamReported = "spam_reported"
        case unsubscribed
        case resubscribed
        case optedOut = "opted_out"
        case optedIn = "opted_in"
        case progress

        /// The delivery status this event moves a delivery to, if it is an outcome.
        var deliveryStatus: String? {
            switch self {
            case .delivered: return "delivered"
            case .undelivered, .bounced, .dropped: return "failed"
            default: return nil
            }
        }
    }

    /// A key unique per provider event (SendGrid `sg_event_id`, Twilio sid + status).
    var dedupKey: String
    var kind: Kind
    /// The provider's message id, when the callback names one.
    var providerMessageID: String?
    /// Our delivery id, when the provider echoes it (SendGrid custom args, Vonage client-ref).
    var deliveryID: Int64?
    /// The provider's code or reason, such as `30003` or `5.1.1`.
    var code: String?
    /// The address to suppress (hard bounce, spam report, unsubscribe, STOP).
    var suppress: String?
    /// The address whose suppression ends (START, resubscribe).
    var unsuppress: String?
}
