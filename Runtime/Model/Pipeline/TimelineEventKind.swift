/// Every kind of event a notification's timeline (`notify.events.kind`) holds, and so every kind
/// an event subscription (`POST /v1/event-subscriptions`, `"kinds"`) can ask for.
///
/// The writers name kinds as text (in SQL and in Swift), so a new kind must be added here too, or
/// subscriptions cannot filter on it (an empty `kinds` still receives it). `progress` callbacks
/// are never recorded, so they are not a kind.
public enum TimelineEventKind: String, Sendable, CaseIterable {
    // The notification as a whole.
    case accepted, scheduled, rescheduled, expanded, refused, cancelled
    case channelSkipped = "channel_skipped"
    case recipientRefused = "recipient_refused"
    case contentErased = "content_erased"
    // Campaigns.
    case campaignStarted = "campaign_started"
    case campaignPaused = "campaign_paused"
    case campaignResumed = "campaign_resumed"
    case campaignCompleted = "campaign_completed"
    case campaignCancelled = "campaign_cancelled"
    // A delivery in the pipeline.
    case deferred, released, dropped, fallback, digested
    case digestReleased = "digest_released"
    // Sending.
    case sent, failed, unknown, snoozed, suppressed, rescued
    case attemptFailed = "attempt_failed"
    case retryScheduled = "retry_scheduled"
    case deviceInvalidated = "device_invalidated"
    // Provider callbacks.
    case delivered, undelivered, bounced, opened, clicked, unsubscribed, resubscribed
    case spamReported = "spam_reported"
    case optedOut = "opted_out"
    case optedIn = "opted_in"

    /// The kinds' names, in declaration order.
    public static let names: [String] = allCases.map(\.rawValue)
}
