import Crypto
import Foundation
import Hummingbird
import NotifyFunctionKit
import NotifyModel
import NotifyRuntime
import PostgresNIO

/// `POST /v1/campaigns`, `GET /v1/campaigns`, `GET /v1/campaigns/{id}` (with progress), and
/// `POST /v1/campaigns/{id}/pause|resume|cancel`.
struct CampaignRoutes: Sendable {
    let dependencies: APIDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("campaigns") { request, context in try await create(request, context) }
        group.get("campaigns") { request, context in try await list(request, context) }
        group.get("campaigns/{id}") { _, context in try await get(context) }
        for action in CampaignControl.Action.allCases {
            group.post("campaigns/{id}/\(action.rawValue)") { _, context in try await perform(action, context) }
        }
    }

    var control: CampaignControl {
        CampaignControl(client: dependencies.client, producer: dependencies.producer, logger: dependencies.logger)
    }

    /// Checks the campaign against the tenant's catalog, then records its notification, the
    /// campaign, and its first expansion and release jobs in one transaction (201).
    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let body = try await JSONBody.bytes(request)
        let campaign = try JSONBody.decode(CampaignRequest.self, from: body, allowedKeys: CampaignRequest.fields)
        try campaign.validateShape()
        let key = request.headers[named: "Idempotency-Key"]
        if let key, key.isEmpty || key.count > 255 {
            throw APIError(.badRequest, code: "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 characters")
        }
        let plan = try await CampaignChecks(dependencies: dependencies, tenantID: tenantID).check(campaign)
        let startAt = max(campaign.startAt ?? Date(), Date())
        let started = startAt <= Date()
        let lane = campaign.priority.flatMap(Lane.init(name:)) ?? .bulk
        let data = String(decoding: try JSONEncoder().encode(campaign.data ?? [:]), as: UTF8.self)
        let campaignID = UUID()
        let created: UUID? = try await dependencies.client.withTransaction(logger: context.logger) { connection in
            if let key {
                let existing = try await connection.query(
                    "SELECT id FROM notify.campaigns WHERE tenant_id = \(tenantID) AND idempotency_key = \(key)",
                    logger: context.logger)
                for try await id in existing.decode(UUID.self) { return id }
            }
            let recipients = #"{"campaign":"\#(campaignID.uuidString.lowercased())"}"#
            try await connection.query(
                """
                WITH created AS (
                    INSERT INTO notify.notifications
                        (tenant_id, category_key, template_key, recipients, data, channels, lane, status)
                    VALUES (\(tenantID), \(campaign.category), \(campaign.template), \(recipients)::jsonb,
                            \(data)::jsonb, \(plan.channels), \(lane.description), 'processing')
                    RETURNING id
                ), event AS (
                    INSERT INTO notify.events (tenant_id, notification_id, kind, detail)
                    SELECT \(tenantID), id, 'accepted', jsonb_build_object('via', 'campaign', 'campaign', \(campaignID.uuidString.lowercased()))
                    FROM created
                )
                INSERT INTO notify.campaigns
                    (id, tenant_id, name, notification_id, audience, segment_filter, channels, lane, rate_per_second,
                     start_at, status, idempotency_key)
                SELECT \(campaignID), \(tenantID), \(campaign.name.trimmingCharacters(in: .whitespacesAndNewlines)),
                       created.id, \(campaign.audienceJSON)::jsonb, \(plan.segmentFilter)::jsonb, \(plan.channels),
                       \(lane.description), \(campaign.ratePerSecond), \(startAt), \(started ? "running" : "scheduled"),
                       \(key)
                FROM created
                """, logger: context.logger)
            let input = CampaignJobInput(tenantID: tenantID, campaignID: campaignID, generation: 1, due: startAt)
            try await dependencies.producer.enqueue(
                [
                    try JobRequest(
                        function: "campaign-expand", input: input, lane: .transactional,
                        runAt: started ? nil : startAt, tenantID: tenantID),
                    try JobRequest(
                        function: "campaign-release", input: input, lane: .transactional,
                        runAt: started ? nil : startAt, tenantID: tenantID),
                ], on: connection, wakingAfterCommit: false)
            return nil
        }
        let id = created ?? campaignID
        guard let progress = try await control.progress(campaignID: id, tenantID: tenantID) else {
            throw APIError.notFound("campaign", id.uuidString.lowercased())
        }
        var headers: HTTPFields = [.location: "/v1/campaigns/\(id.uuidString.lowercased())"]
        if created != nil { headers[named: "Idempotent-Replayed"] = "true" }
        return try APIResponse.json(progress.json, status: created == nil ? .created : .ok, headers: headers)
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let text = request.uri.queryParameters.get("limit")
        guard let limit = text.map({ Int($0) }) ?? 50, (1...500).contains(limit) else {
            throw APIError(.badRequest, code: "invalid_limit", "limit must be a whole number from 1 to 500")
        }
        let campaigns = try await control.list(tenantID: tenantID, limit: limit)
        return try APIResponse.json(["campaigns": campaigns.map(\.json)], status: .ok)
    }

    func get(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let id = try context.parameters.uuid("id")
        guard let progress = try await control.progress(campaignID: id, tenantID: tenantID) else {
            throw APIError.notFound("campaign", id.uuidString.lowercased())
        }
        return try APIResponse.json(progress.json, status: .ok)
    }

    func perform(_ action: CampaignControl.Action, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let id = try context.parameters.uuid("id")
        _ = try await control.perform(action, campaignID: id, tenantID: tenantID)
        guard let progress = try await control.progress(campaignID: id, tenantID: tenantID) else {
            throw APIError.notFound("campaign", id.uuidString.lowercased())
        }
        return try APIResponse.json(progress.json, status: .ok)
    }
}
