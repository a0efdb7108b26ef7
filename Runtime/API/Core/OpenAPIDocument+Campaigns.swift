/// The campaign and segment operations and schemas of ``OpenAPIDocument``.
extension OpenAPIDocument {
    static let campaignOperations:
        [(method: String, path: String, summary: String, security: String?, body: String?, status: Int)] = [
            (
                "post", "/v1/campaigns", "Create a campaign: a broadcast to a topic or segment at a send rate",
                "tenant", "CampaignRequest", 201
            ),
            ("get", "/v1/campaigns", "The tenant's campaigns, newest first", "tenant", nil, 200),
            ("get", "/v1/campaigns/{id}", "A campaign with its progress", "tenant", nil, 200),
            ("post", "/v1/campaigns/{id}/pause", "Pause a campaign", "tenant", nil, 200),
            ("post", "/v1/campaigns/{id}/resume", "Resume a paused campaign", "tenant", nil, 200),
            (
                "post", "/v1/campaigns/{id}/cancel", "Cancel a campaign; recipients not yet released are dropped",
                "tenant", nil, 200
            ),
            (
                "put", "/v1/segments/{key}", "Create or replace a segment (a saved filter over users)", "tenant",
                "SegmentRequest", 200
            ),
            ("get", "/v1/segments", "The tenant's segments", "tenant", nil, 200),
            ("get", "/v1/segments/{key}", "A segment and how many users match it now", "tenant", nil, 200),
            ("delete", "/v1/segments/{key}", "Delete a segment", "tenant", nil, 204),
        ]

    static var campaignSchemas: [String: Any] {
        [
            "CampaignRequest": object(
                [
                    "name": string, "category": string,
                    "audience": object(["topic": string, "segment": string], required: [], closed: true),
                    "template": string, "data": ["type": "object"], "channels": array(channelEnum),
                    "rate_per_second": ["type": "integer", "minimum": 1, "maximum": 100_000],
                    "start_at": ["type": "string", "format": "date-time"],
                    "priority": ["type": "string", "enum": ["critical", "transactional", "bulk"]],
                ], required: ["name", "category", "audience"], closed: true),
            "SegmentRequest": object(
                [
                    "name": string,
                    "filter": [
                        "type": "object",
                        "description":
                            "{\"all\": [...]}, {\"any\": [...]}, {\"not\": {...}} or a condition {\"field\": \"data.plan\" | \"locale\" | \"timezone\" | \"external_id\", \"op\": \"eq|ne|in|not_in|gt|gte|lt|lte|contains|exists|missing\", \"value\": ...}",
                    ],
                ], required: ["filter"], closed: true),
        ]
    }
}
