import Foundation
import NotifyFunctionKit
import NotifyModel

/// The body of `POST /v1/campaigns`:
///
/// ```json
/// {"name": "December newsletter", "category": "news", "audience": {"segment": "pro-users"},
///  "data": {"issue": 12}, "rate_per_second": 500, "start_at": "2026-12-02T09:00:00Z"}
/// ```
///
/// `audience` names exactly one of a topic or a segment. Without `rate_per_second` the campaign
/// goes as fast as the pipeline takes it; without `start_at` it starts now. `priority` defaults to
/// `bulk`, so transactional and critical notifications keep their latency while it drains.
struct CampaignRequest: Decodable, Sendable {
    struct Audience: Decodable, Sendable {
        var topic: String?
        var segment: String?
    }

    var name: String
    var category: String
    var audience: Audience
    var template: String?
    var data: [String: JSONValue]?
    var channels: [String]?
    var ratePerSecond: Int?
    var startAt: Date?
    var priority: String?

    enum CodingKeys: String, CodingKey {
        case name, category, audience, template, data, channels, priority
        case ratePerSecond = "rate_per_second"
        case startAt = "start_at"
    }

    static let fields: Set<String> = [
        "name", "category", "audience", "template", "data", "channels", "rate_per_second", "start_at", "priority",
    ]

    /// Checks the fields that need no database.
    func validateShape() throws {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        // Counted as PostgreSQL's length() counts (code points), the column's CHECK.
        guard (1...200).contains(trimmed.unicodeScalars.count) else {
            throw APIError(.badRequest, code: "invalid_name", "\"name\" must be 1 to 200 characters")
        }
        guard (audience.topic == nil) != (audience.segment == nil) else {
            throw APIError(
                .badRequest, code: "invalid_audience",
                "\"audience\" must name exactly one of \"topic\" or \"segment\", e.g. {\"topic\": \"newsletter\"}")
        }
        if let rate = ratePerSecond, !(1...CampaignPacing.maximumRate).contains(rate) {
            throw APIError(
                .badRequest, code: "invalid_rate",
                "\"rate_per_second\" must be 1 to \(CampaignPacing.maximumRate), or left out for no limit")
        }
        if let priority, Lane(name: priority) == nil {
            throw APIError(
                .badRequest, code: "invalid_priority", "\"priority\" must be critical, transactional or bulk")
        }
        for channel in channels ?? [] where Channel(rawValue: channel) == nil {
            throw APIError(
                .badRequest, code: "invalid_channel",
                "\"channels\" holds \"\(channel.prefix(40))\"; use email, sms, push, inapp or webhook")
        }
        if let startAt, startAt > Date().addingTimeInterval(366 * 86_400) {
            throw APIError(.badRequest, code: "invalid_start_at", "\"start_at\" must be within a year from now")
        }
    }

    /// The audience as stored: `{"topic": "…"}` or `{"segment": "…"}`.
    var audienceJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let object = audience.topic.map { ["topic": $0] } ?? ["segment": audience.segment ?? ""]
        return String(decoding: (try? encoder.encode(object)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
