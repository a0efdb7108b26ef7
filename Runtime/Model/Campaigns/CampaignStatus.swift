/// Where a campaign stands.
public enum CampaignStatus: String, Codable, Sendable, CaseIterable {
    /// Waiting for its start time.
    case scheduled
    /// Releasing recipients at its rate.
    case running
    /// Stopped by a pause; resume continues where it stopped.
    case paused
    /// Every recipient was released.
    case completed
    /// Stopped for good; recipients not yet released are dropped with reason `cancelled`.
    case cancelled

    /// Whether the campaign can still change (pause, resume, cancel).
    public var isFinished: Bool { self == .completed || self == .cancelled }
}
