import Foundation

/// The input of `campaign-expand` and `campaign-release`: one campaign of one tenant.
///
/// `generation` and `due` matter to `campaign-release` only: a pacer whose generation is not the
/// campaign's current one stops (a resume starts a new generation), and `due` is when this tick
/// was meant to run, so the rate holds however late a tick is picked up.
public struct CampaignJobInput: Codable, Sendable, Hashable {
    /// The tenant that owns the campaign.
    public var tenantID: String
    /// The campaign.
    public var campaignID: UUID
    /// The pacer generation this job belongs to.
    public var generation: Int
    /// When this release tick was due, in milliseconds since 1970 (job payloads encode dates as
    /// ISO 8601 in whole seconds, too coarse for a quarter-second tick).
    public var dueMilliseconds: Int64?

    /// When this release tick was due.
    public var due: Date? {
        get { dueMilliseconds.map { Date(timeIntervalSince1970: Double($0) / 1000) } }
        set { dueMilliseconds = newValue.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } }
    }

    enum CodingKeys: String, CodingKey {
        case tenantID = "tenant_id"
        case campaignID = "campaign_id"
        case generation
        case dueMilliseconds = "due_ms"
    }

    /// Creates an input.
    public init(tenantID: String, campaignID: UUID, generation: Int = 1, due: Date? = nil) {
        self.tenantID = tenantID
        self.campaignID = campaignID
        self.generation = generation
        self.dueMilliseconds = nil
        self.due = due
    }
}
