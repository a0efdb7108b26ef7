import Foundation
import NotifyModel
import PostgresNIO

/// The checks `POST /v1/campaigns` makes before accepting: the category, an active template for
/// each channel, a provider route for each channel other than in-app, and the audience (a topic, or
/// a segment whose filter is copied into the campaign so later edits do not change it).
struct CampaignChecks: Sendable {
    let dependencies: APIDependencies
    let tenantID: String

    struct Plan: Sendable {
        var channels: [String]
        var segmentFilter: String?
    }

    func check(_ request: CampaignRequest) async throws -> Plan {
        let rows = try await dependencies.rows(
            """
            SELECT c.template_key, c.default_channels FROM notify.categories c
            WHERE c.tenant_id = \(tenantID) AND c.key = \(request.category)
            """)
        guard let row = rows.first else {
            throw APIError(
                .unprocessableContent, code: "unknown_category",
                "category \"\(request.category)\" does not exist; create it with PUT /v1/categories/\(request.category)"
            )
        }
        let (categoryTemplate, defaults) = try row.decode((String, [String]).self)
        let templateKey = request.template ?? categoryTemplate
        let routed = try TemplateRouting.decode(
            try await dependencies.rows(TemplateRouting.query(tenantID: tenantID, templateKey: templateKey)))
        var channels: [String] = []
        var problems: [String] = []
        for channel in request.channels ?? defaults where !channels.contains(channel) {
            switch routed[channel] {
            case .none: problems.append("\(channel): no active template \"\(templateKey)\"")
            case .some(false): problems.append("\(channel): no provider route")
            case .some(true): channels.append(channel)
            }
        }
        if !problems.isEmpty || channels.isEmpty {
            throw APIError(
                .unprocessableContent, code: "no_deliverable_channel",
                "every channel of a campaign must be deliverable (\(problems.isEmpty ? "no channels" : problems.joined(separator: "; "))); add the template version (POST /v1/templates/\(templateKey)/{channel}/{locale}/versions) or the route (PUT /v1/routes/{channel}), or name fewer channels"
            )
        }
        if let topic = request.audience.topic {
            let exists = try await dependencies.rows(
                "SELECT 1 FROM notify.topics WHERE tenant_id = \(tenantID) AND key = \(topic)")
            guard !exists.isEmpty else {
                throw APIError(
                    .unprocessableContent, code: "unknown_topic",
                    "topic \"\(topic)\" does not exist; create it with PUT /v1/topics/\(topic)")
            }
            return Plan(channels: channels, segmentFilter: nil)
        }
        let segment = request.audience.segment ?? ""
        let filter = try await dependencies.rows(
            "SELECT filter::text FROM notify.segments WHERE tenant_id = \(tenantID) AND key = \(segment)")
        guard let stored = try filter.first?.decode(String.self) else {
            throw APIError(
                .unprocessableContent, code: "unknown_segment",
                "segment \"\(segment)\" does not exist; create it with PUT /v1/segments/\(segment)")
        }
        return Plan(channels: channels, segmentFilter: stored)
    }
}
