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
    /// What a failure means beyond this delivery, when the provider's code says more than
    /// "undelivered"; nil for outcomes that simply fail the delivery.
    var failure: FailureHandling? = nil

    /// How a failed delivery continues, by the provider's error class
    /// (`shared/reference/provider-protocols.md` §6).
    enum FailureHandling: Sendable, Hashable {
        /// Transient (Twilio 30001, 30003, 30008): send it again after a backoff while attempts
        /// remain. With `suppressWhenExhausted` (30003, an unreachable handset), the address in
        /// ``CallbackEvent/suppress`` is suppressed only when the attempts run out.
        case retry(suppressWhenExhausted: Bool)
        /// Our account or content is at fault (Twilio 30002 suspended, 30007 filtered): the
        /// delivery fails without blaming the recipient and the operator is alerted; with
        /// `opensCircuit` the account cannot send at all, so its circuit opens.
        case configuration(opensCircuit: Bool)
    }

    /// True when the failure is retried rather than final.
    var retries: Bool {
        if case .retry = failure { return true }
        return false
    }

    /// True when the suppression waits for the retries to run out.
    var suppressesOnlyWhenExhausted: Bool {
        if case .retry(let exhausted) = failure { return exhausted }
        return false
    }

    /// True when the account's circuit opens.
    var opensCircuit: Bool {
        if case .configuration(let opens) = failure { return opens }
        return false
    }
}
