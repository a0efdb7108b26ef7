import Foundation
import Hummingbird
import NotifyModel

/// The OpenAPI 3.1 description of the HTTP API, served at `/openapi.json`. A test checks that
/// every route the server registers is described here, and the other way round.
enum OpenAPIDocument {
    static func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// The operations: method, path, summary, security (`tenant`, `inbox`, `client` or none),
    /// request schema name and success status.
    static let operations:
        [(method: String, path: String, summary: String, security: String?, body: String?, status: Int)] = [
            (
                "post", "/v1/notifications", "Send a notification to a user, a list of users or a topic", "tenant",
                "NotificationRequest", 202
            ),
            (
                "get", "/v1/notifications",
                "The tenant's notifications, newest first (?category=&status=&since=&until=&limit=&cursor=)", "tenant",
                nil, 200
            ),
            (
                "post", "/v1/notifications/batch",
                "Send up to 1,000 notifications in one request, accepted all or none", "tenant",
                "NotificationBatch", 202
            ),
            (
                "get", "/v1/notifications/{id}", "A notification with per-channel status and its timeline", "tenant",
                nil, 200
            ),
            (
                "post", "/v1/notifications/{id}/cancel",
                "Cancel a notification not yet released; deliveries still waiting are dropped", "tenant", nil, 200
            ),
            (
                "patch", "/v1/notifications/{id}", "Reschedule a notification not yet released (409 after release)",
                "tenant", "RescheduleRequest", 200
            ),
            (
                "post", "/v1/users", "Create or update up to 1,000 users at once, all or none", "tenant", nil,
                200
            ),
            ("put", "/v1/users/{user}", "Create or update a user", "tenant", "UserRequest", 200),
            ("get", "/v1/users/{user}", "A user with contact points and devices", "tenant", nil, 200),
            (
                "delete", "/v1/users/{user}", "Erase a user's personal data, devices, preferences and inbox", "tenant",
                nil, 204
            ),
            ("post", "/v1/users/{user}/devices", "Register a push device token", "tenant", "DeviceRequest", 201),
            ("delete", "/v1/users/{user}/devices/{device}", "Remove a push device", "tenant", nil, 204),
            ("get", "/v1/users/{user}/preferences", "A user's preferences", "tenant", nil, 200),
            ("put", "/v1/users/{user}/preferences", "Replace a user's preferences", "tenant", "Preferences", 200),
            (
                "get", "/v1/users/{user}/deliveries",
                "What was sent to a user, newest first (?channel=&status=&since=&until=&limit=&cursor=)", "tenant", nil,
                200
            ),
            (
                "get", "/v1/users/{user}/suppressions", "The user's suppressed addresses (email, sms)", "tenant", nil,
                200
            ),
            (
                "put", "/v1/users/{user}/suppressions/{channel}",
                "Suppress the user's address on a channel (optional {\"reason\"})", "tenant", nil, 201
            ),
            (
                "delete", "/v1/users/{user}/suppressions/{channel}", "Send to the user's address on a channel again",
                "tenant", nil, 200
            ),
            (
                "get", "/v1/users/{user}/digests",
                "A user's digests, newest first (status=open|closing|closed, limit, cursor)", "tenant", nil, 200
            ),
            ("put", "/v1/categories/{key}", "Create or replace a category", "tenant", "CategoryRequest", 200),
            ("get", "/v1/categories", "List categories", "tenant", nil, 200),
            ("get", "/v1/categories/{key}", "A category", "tenant", nil, 200),
            (
                "post", "/v1/templates/{key}/{channel}/{locale}/versions",
                "Create a template version (?activate=true to activate it)", "tenant", "TemplateSource", 201
            ),
            (
                "post", "/v1/templates/{key}/{channel}/{locale}/versions/{version}/activate",
                "Activate a template version", "tenant", nil, 200
            ),
            ("get", "/v1/templates", "List templates with their versions", "tenant", nil, 200),
            (
                "post", "/v1/templates/preview", "Render a template against sample data without sending", "tenant",
                "PreviewRequest", 200
            ),
            ("put", "/v1/topics/{key}", "Create or rename a topic", "tenant", "TopicRequest", 200),
            ("get", "/v1/topics", "The tenant's topics by key (?limit=&cursor=)", "tenant", nil, 200),
            ("get", "/v1/topics/{key}", "A topic and its subscriber count", "tenant", nil, 200),
            ("delete", "/v1/topics/{key}", "Delete a topic and its subscriptions", "tenant", nil, 204),
            (
                "get", "/v1/topics/{key}/subscribers", "A topic's subscribers (?limit=&cursor=)", "tenant", nil, 200
            ),
            ("post", "/v1/topics/{key}/subscribers", "Subscribe users to a topic", "tenant", "SubscribeRequest", 200),
            ("delete", "/v1/topics/{key}/subscribers/{user}", "Unsubscribe a user from a topic", "tenant", nil, 204),
            (
                "put", "/v1/providers/{id}", "Create or replace a provider account (credentials stored encrypted)",
                "tenant", "ProviderRequest", 200
            ),
            ("get", "/v1/providers", "List provider accounts with their circuit state", "tenant", nil, 200),
            ("get", "/v1/providers/{id}", "A provider account (never its credentials)", "tenant", nil, 200),
            ("delete", "/v1/providers/{id}", "Delete a provider account", "tenant", nil, 204),
            ("put", "/v1/routes/{channel}", "Replace a channel's provider route", "tenant", "RouteRequest", 200),
            ("get", "/v1/routes/{channel}", "A channel's provider route", "tenant", nil, 200),
            (
                "post", "/v1/event-subscriptions",
                "Subscribe to the tenant's delivery-status events (the signing secret is shown once)", "tenant",
                "EventSubscriptionRequest", 201
            ),
            ("get", "/v1/event-subscriptions", "List event subscriptions (never their secrets)", "tenant", nil, 200),
            ("get", "/v1/event-subscriptions/{id}", "An event subscription and its delivery state", "tenant", nil, 200),
            ("delete", "/v1/event-subscriptions/{id}", "Delete an event subscription", "tenant", nil, 204),
            (
                "post", "/v1/event-subscriptions/{id}/rotate-secret",
                "Replace a subscription's signing secret (the new one is shown once)", "tenant", nil, 200
            ),
            (
                "post", "/v1/schedules", "Create a recurring schedule (cron, timezone or recipient)", "tenant",
                "ScheduleRequest", 201
            ),
            ("get", "/v1/schedules", "List the tenant's recurring schedules", "tenant", nil, 200),
            ("get", "/v1/schedules/{id}", "A recurring schedule with its next occurrences", "tenant", nil, 200),
            (
                "patch", "/v1/schedules/{id}", "Pause, resume or change a recurring schedule", "tenant",
                "SchedulePatch", 200
            ),
            ("delete", "/v1/schedules/{id}", "Delete a recurring schedule", "tenant", nil, 204),
            ("get", "/v1/inbox", "The user's inbox, newest first (cursor pagination)", "inbox", nil, 200),
            ("get", "/v1/inbox/unread-count", "The user's unread and unseen counts", "inbox", nil, 200),
            ("post", "/v1/inbox/items/{item}/seen", "Mark an item seen", "inbox", nil, 200),
            ("post", "/v1/inbox/items/{item}/unseen", "Mark an item unseen (and unread)", "inbox", nil, 200),
            ("post", "/v1/inbox/items/{item}/read", "Mark an item read (and seen)", "inbox", nil, 200),
            ("post", "/v1/inbox/items/{item}/unread", "Mark an item unread", "inbox", nil, 200),
            ("post", "/v1/inbox/items/{item}/archive", "Archive an item", "inbox", nil, 200),
            ("post", "/v1/inbox/items/{item}/unarchive", "Unarchive an item", "inbox", nil, 200),
            ("post", "/v1/inbox/seen-all", "Mark every unseen item seen", "inbox", nil, 200),
            (
                "get", "/v1/inbox/preferences", "The user's own opt-outs and quiet hours, with the tenant's categories",
                "inbox", nil, 200
            ),
            (
                "patch", "/v1/inbox/preferences", "Change the user's own opt-outs or quiet hours (frequency caps stay)",
                "inbox", nil, 200
            ),
            ("post", "/v1/inbox/read-all", "Mark every unread item read", "inbox", nil, 200),
            (
                "post", "/v1/inbox/archive-all", "Archive every item not yet archived (?read=true: only read ones)",
                "inbox", nil, 200
            ),
            (
                "get", "/v1/inbox/stream",
                "Server-Sent Events: new items, changed items and the unread count; Last-Event-ID resumes both",
                "inbox", nil, 200
            ),
            (
                "post", "/webhooks/{provider}/{account}",
                "Provider callbacks (twilio, vonage, sendgrid), verified by the provider's signature", nil, nil, 200
            ),
            (
                "get", "/webhooks/{provider}/{account}",
                "Vonage delivery receipts sent by GET (a signed query string); other providers POST", nil, nil, 200
            ),
            ("get", "/unsubscribe/{token}", "The unsubscribe page of a commercial email's link", nil, nil, 200),
            ("post", "/unsubscribe/{token}", "One-click unsubscribe (RFC 8058)", nil, nil, 200),
            ("post", "/oauth/token", "OAuth2 client-credentials grant", nil, nil, 200),
            ("get", "/openapi.json", "This document", nil, nil, 200),
            ("get", "/healthz", "Liveness", nil, nil, 200),
            ("get", "/readyz", "Readiness (database reachable, not shutting down)", nil, nil, 200),
            ("get", "/metrics", "Prometheus metrics", nil, nil, 200),
        ]

    static var schemas: [String: Any] {
        [
            "Problem": object(
                [
                    "type": string, "title": string, "status": ["type": "integer"], "code": string, "detail": string,
                    "instance": string,
                ], required: ["code", "detail", "status"]),
            "NotificationRequest": object(notificationProperties, required: ["category", "to"], closed: true),
            "NotificationBatch": object(
                [
                    "notifications": [
                        "type": "array", "minItems": 1, "maxItems": 1000,
                        "items": object(
                            notificationProperties.merging(["idempotency_key": string]) { $1 },
                            required: ["category", "to"], closed: true),
                    ]
                ], required: ["notifications"], closed: true),
            "RescheduleRequest": object(
                ["send_at": ["type": "string", "format": "date-time"], "send_at_local": localDateTime], required: [],
                closed: true),
            "UserRequest": object(
                [
                    "email": nullableString, "phone": nullableString, "locale": string, "timezone": string,
                    "data": ["type": "object"],
                ], required: [], closed: true),
            "DeviceRequest": object(
                ["platform": ["type": "string", "enum": ["apns", "fcm"]], "token": string],
                required: ["platform", "token"],
                closed: true),
            "Preferences": object(
                [
                    "channels": [
                        "type": "object",
                        "additionalProperties": ["type": "object", "additionalProperties": ["type": "boolean"]],
                    ],
                    "quiet_hours": object(
                        ["start": string, "end": string, "timezone": string], required: ["start", "end"]),
                    "frequency_caps": [
                        "type": "object",
                        "additionalProperties": object(
                            ["limit": ["type": "integer"], "window_seconds": ["type": "integer"]],
                            required: ["limit", "window_seconds"]),
                    ],
                ], required: [], closed: true),
            "CategoryRequest": object(
                [
                    "kind": ["type": "string", "enum": ["transactional", "marketing"]],
                    "critical": [
                        "type": "boolean",
                        "description":
                            "transactional categories only: deliveries pass opt-outs, quiet hours and frequency caps",
                    ],
                    "default_channels": array(channelEnum), "template": string,
                    "unknown_outcome": ["type": "string", "enum": ["retry", "give_up"]],
                    "cap_action": ["type": "string", "enum": ["defer", "drop", "digest"]],
                    "erase_content_after_seconds": [
                        "type": ["integer", "null"], "minimum": CategoryRoutes.minimumEraseAfterSeconds,
                        "maximum": CategoryRoutes.maximumEraseAfterSeconds,
                        "description":
                            "erase each notification's data and rendered content this long after it is expanded (one-time passcodes); null keeps them",
                    ],
                    "digest": [
                        "oneOf": [
                            object(
                                [
                                    "window_seconds": ["type": "integer", "minimum": 1, "maximum": 2_678_400],
                                    "max_items": ["type": "integer", "minimum": 2, "maximum": 1000],
                                    "template": string, "mode": ["type": "string", "enum": ["always", "over_cap"]],
                                ], required: ["window_seconds", "max_items", "template"], closed: true),
                            ["type": "null"],
                        ]
                    ],
                    "fallback": [
                        "type": "object",
                        "additionalProperties": [
                            "oneOf": [
                                channelEnum,
                                object(["to": channelEnum, "after_seconds": ["type": "integer"]], required: ["to"]),
                            ]
                        ],
                    ],
                ], required: ["kind", "default_channels"], closed: true),
            "TemplateSource": object(
                [
                    "subject": string, "html": string, "text": string, "title": string, "body": string,
                    "data": ["type": "object", "additionalProperties": string], "action_url": string,
                ], required: [], closed: true),
            "ProviderRequest": object(
                [
                    "kind": [
                        "type": "string", "enum": ["smtp", "sendgrid", "twilio", "vonage", "fcm", "apns", "webhook"],
                    ],
                    "config": [
                        "type": "object",
                        "description":
                            "the kind's credentials and settings; unknown keys are refused (400 unknown_field)",
                    ],
                    "sender": [
                        "type": "object", "additionalProperties": string,
                        "description":
                            "from (sms, email; an e-mail address for email), from_name and reply_to (email), url (webhook: absolute http(s))",
                    ],
                    "rate_per_second": ["type": "number"], "burst": ["type": "integer"], "enabled": ["type": "boolean"],
                ], required: ["kind", "config"], closed: true),
            "RouteRequest": object(
                [
                    "providers": array(
                        object(
                            [
                                "provider": string, "position": ["type": "integer"], "weight": ["type": "integer"],
                                "cost_micros": ["type": "integer"],
                            ], required: ["provider"]))
                ], required: ["providers"], closed: true),
            "PreviewRequest": object(
                [
                    "channel": channelEnum, "key": string, "locale": string,
                    "source": ["$ref": "#/components/schemas/TemplateSource"],
                    "data": ["type": "object"],
                ], required: ["channel"], closed: true),
            "TopicRequest": object(["name": string], required: [], closed: true),
            "SubscribeRequest": object(["users": array(string)], required: ["users"], closed: true),
            "ScheduleRequest": object(
                scheduleFields.merging(["id": string]) { a, _ in a }, required: ["cron", "timezone", "notification"],
                closed: true),
            "SchedulePatch": object(scheduleFields, required: [], closed: true),
            "EventSubscriptionRequest": object(
                [
                    "url": ["type": "string", "format": "uri"],
                    "kinds": array(["type": "string", "enum": TimelineEventKind.names]),
                ], required: ["url"], closed: true),
        ]
    }

    /// The fields of a recurring schedule; its notification is a NotificationRequest without send times.
    static var scheduleFields: [String: Any] {
        [
            "cron": ["type": "string", "examples": ["0 9 * * MON-FRI", "*/30 * * * * *", "@daily"]],
            "timezone": ["type": "string", "examples": ["Europe/Berlin", "recipient"]],
            "notification": ["$ref": "#/components/schemas/NotificationRequest"],
            "missed_policy": ["type": "string", "enum": ["run_once", "skip"]], "paused": ["type": "boolean"],
        ]
    }
    static var string: [String: Any] { ["type": "string"] }
    static var nullableString: [String: Any] { ["type": ["string", "null"]] }
    /// A wall-clock time with no offset, released in each recipient's own zone.
    static var localDateTime: [String: Any] {
        [
            "type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2})?$",
            "examples": ["2026-12-02T09:00"],
        ]
    }
    static var channelEnum: [String: Any] { ["type": "string", "enum": ["email", "sms", "push", "inapp", "webhook"]] }
    static func array(_ items: [String: Any]) -> [String: Any] { ["type": "array", "items": items] }
    /// The fields of `POST /v1/notifications`, also those of each item of a batch.
    static var notificationProperties: [String: Any] {
        [
            "category": string,
            "to": object(["user": string, "users": array(string), "topic": string], required: []),
            "template": string, "data": ["type": "object"], "channels": array(channelEnum),
            "send_at": ["type": "string", "format": "date-time"],
            "send_at_local": localDateTime,
            "priority": ["type": "string", "enum": ["critical", "transactional", "bulk"]],
        ]
    }

    static func object(_ properties: [String: Any], required: [String], closed: Bool = false) -> [String: Any] {
        var schema: [String: Any] = ["type": "object", "properties": properties]
        if !required.isEmpty { schema["required"] = required }
        if closed { schema["additionalProperties"] = false }
        return schema
    }

    static let json: String = {
        var paths: [String: [String: Any]] = [:]
        for operation in operations + campaignOperations {
            var entry: [String: Any] = [
                "summary": operation.summary,
                "operationId": operation.method
                    + operation.path.replacingOccurrences(of: "/", with: "_")
                    .replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: ""),
                "responses": [
                    String(operation.status): ["description": "Success"],
                    "default": [
                        "description": "An error, as RFC 9457 problem+json",
                        "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]],
                    ],
                ],
            ]
            let parameters = operation.path.split(separator: "/").filter { $0.hasPrefix("{") }.map { part in
                ["name": String(part.dropFirst().dropLast()), "in": "path", "required": true, "schema": string]
                    as [String: Any]
            }
            if !parameters.isEmpty { entry["parameters"] = parameters }
            if let body = operation.body {
                entry["requestBody"] = [
                    "required": true,
                    "content": ["application/json": ["schema": ["$ref": "#/components/schemas/\(body)"]]],
                ]
            }
            if let security = operation.security { entry["security"] = [[security: []]] }
            paths[operation.path, default: [:]][operation.method] = entry
        }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": [
                "title": "notify", "version": "0.1.0",
                "description":
                    "A self-hosted notification engine on PostgreSQL. Errors are RFC 9457 problem+json with a stable code.",
            ],
            "paths": paths,
            "components": [
                "schemas": schemas.merging(campaignSchemas) { first, _ in first },
                "securitySchemes": [
                    "tenant": [
                        "type": "http", "scheme": "bearer",
                        "description": "An API key (nk_…) or an access token from /oauth/token",
                    ],
                    "inbox": [
                        "type": "apiKey", "in": "header", "name": "X-Notify-Signature",
                        "description":
                            "hex(HMAC-SHA256(tenant inbox secret, user id)) with X-Notify-Tenant and X-Notify-User",
                    ],
                    "client": [
                        "type": "oauth2",
                        "flows": [
                            "clientCredentials": ["tokenUrl": "/oauth/token", "scopes": ["notify": "the tenant API"]]
                        ],
                    ],
                ],
            ],
        ]
        let data =
            (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return String(decoding: data, as: UTF8.self)
    }()
}
