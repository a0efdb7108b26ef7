/// Why a delivery was not sent. Every drop is recorded as a timeline event with one of these codes.
public enum DropReason: String, Codable, Sendable, CaseIterable, Hashable {
    /// The user opted out of this category on this channel.
    case optedOut = "opted_out"
    /// The address is on the tenant's suppression list (bounce, complaint, STOP, unsubscribe).
    case suppressed
    /// The user has no address (email, phone, device) for the channel.
    case noAddress = "no_address"
    /// The user's frequency cap for the category is reached and the category drops over-cap sends.
    case frequencyCapped = "frequency_capped"
    /// No active template exists for the category's template on this channel.
    case noTemplate = "no_template"
    /// The template could not be rendered (missing variable, payload too large).
    case renderFailed = "render_failed"
    /// The notification was cancelled before this delivery was sent.
    case cancelled
    /// The user was deleted.
    case userDeleted = "user_deleted"
    /// A timed fallback's first delivery reached the user in time (delivered, or read in-app).
    case primaryReached = "primary_reached"
    /// The notification's content was erased (its category's `erase_content_after_seconds`)
    /// before this delivery was sent.
    case contentErased = "content_erased"
}
