import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// Categories: `PUT /v1/categories/{key}` (create or replace), `GET /v1/categories/{key}`,
/// `GET /v1/categories`.
///
/// ```json
/// {"kind": "transactional", "critical": true, "default_channels": ["inapp"], "template": "otp",
///  "unknown_outcome": "retry", "cap_action": "defer", "fallback": {"push": "sms"}}
/// ```
/// `critical` (transactional categories only) lets deliveries pass opt-outs, quiet hours and caps.
/// `fallback` maps a channel to the one tried when a delivery cannot reach the user (no address
/// or device, or a permanent failure). `digest` (``DigestSettings``) collects the category's
/// deliveries per user and channel into one message: `{"window_seconds": 3600, "max_items": 50,
/// "template": "daily-digest", "mode": "always"}`; mode `over_cap` goes with `cap_action` `digest`.
/// `erase_content_after_seconds` (60 to 2,592,000) erases each notification's data and rendered
/// content that long after it is expanded (`ContentErasure` in `schedule-tick`); it cannot be
/// combined with a digest, and must be longer than every timed fallback.
struct CategoryRoutes: Sendable {
    let dependencies: APIDependencies

    struct CategoryRequest: Decodable {
        var kind: CategoryKind
        var critical: Bool?
        var defaultChannels: [String]
        var template: String?
        var unknownOutcome: UnknownOutcomePolicy?
        var capAction: FrequencyCapAction?
        var fallback: [String: FallbackRule]?
        var digest: JSONValue?
        var eraseContentAfterSeconds: Int?

        enum CodingKeys: String, CodingKey {
            case kind, critical, template, digest
            case eraseContentAfterSeconds = "erase_content_after_seconds"
            case defaultChannels = "default_channels"
            case unknownOutcome = "unknown_outcome"
            case capAction = "cap_action"
            case fallback
        }
    }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.put("categories/{key}") { request, context in try await put(request, context) }
        group.get("categories") { _, context in try await list(context) }
        group.get("categories/{key}") { _, context in try await get(context) }
    }

    func put(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let key = try context.parameters.resourceKey("key")
        let body = try await JSONBody.decode(
            CategoryRequest.self, from: request,
            allowedKeys: [
                "kind", "critical", "default_channels", "template", "unknown_outcome", "cap_action", "fallback",
                "digest", "erase_content_after_seconds",
            ])
        if body.critical == true, body.kind != .transactional {
            throw APIError(
                .badRequest, code: "invalid_critical",
                "\"critical\" applies to transactional categories only (it lets them pass opt-outs, quiet hours and caps); remove it or set \"kind\" to transactional"
            )
        }
        guard !body.defaultChannels.isEmpty else {
            throw APIError(.badRequest, code: "invalid_channels", "\"default_channels\" must name at least one channel")
        }
        let channels = try body.defaultChannels.map { name in
            try ContactCheck.run { () throws(ModelError) in try Channel.parse(name).rawValue }
        }
        var fallback: [String: JSONValue] = [:]
        for (from, rule) in body.fallback ?? [:] {
            let source = try ContactCheck.run { () throws(ModelError) in try Channel.parse(from).rawValue }
            let target = try ContactCheck.run { () throws(ModelError) in try Channel.parse(rule.to).rawValue }
            guard source != target else {
                throw APIError(.badRequest, code: "invalid_fallback", "\"fallback\" maps \(source) to itself")
            }
            if let after = rule.afterSeconds {
                guard after > 0, after <= 7 * 86_400 else {
                    throw APIError(
                        .badRequest, code: "invalid_fallback",
                        "\"after_seconds\" of the \(source) fallback must be between 1 and 604800")
                }
                fallback[source] = .object(["to": .string(target), "after_seconds": .number(Double(after))])
            } else {
                fallback[source] = .string(target)
            }
        }
        try Self.checkErasure(body)
        let fallbackJSON = String(decoding: try JSONEncoder().encode(fallback), as: UTF8.self)
        let template = try body.template.map { try ResourceKey.check($0, field: "template") } ?? key
        let digestJSON = try CategoryDigest.json(body.digest, capAction: body.capAction ?? .defer)
        let rows = try await dependencies.rows(
            """
            INSERT INTO notify.categories AS c
                (tenant_id, key, kind, critical, default_channels, template_key, unknown_outcome, cap_action, fallback,
                 digest, erase_content_after_seconds)
            VALUES (\(tenantID), \(key), \(body.kind.rawValue), \(body.critical ?? false), \(channels), \(template),
                    \((body.unknownOutcome ?? (body.kind == .marketing ? .giveUp : .retry)).rawValue),
                    \((body.capAction ?? .defer).rawValue), \(fallbackJSON)::jsonb, \(digestJSON)::jsonb,
                    \(body.eraseContentAfterSeconds))
            ON CONFLICT (tenant_id, key) DO UPDATE SET kind = excluded.kind, critical = excluded.critical,
                default_channels = excluded.default_channels, template_key = excluded.template_key,
                unknown_outcome = excluded.unknown_outcome, cap_action = excluded.cap_action,
                fallback = excluded.fallback, digest = excluded.digest,
                erase_content_after_seconds = excluded.erase_content_after_seconds, updated_at = now()
            RETURNING (xmax = 0)
            """)
        let created = try rows.first?.decode(Bool.self) ?? false
        let view = try await load(tenantID: tenantID, key: key).first ?? [:]
        return try APIResponse.json(view, status: created ? .created : .ok)
    }

    func list(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        return try APIResponse.json(["categories": try await load(tenantID: tenantID)], status: .ok)
    }

    /// One category of the caller's tenant; 404 `category_not_found` when it has none of that key.
    func get(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let key = try context.parameters.resourceKey("key")
        guard let view = try await load(tenantID: tenantID, key: key).first else {
            throw APIError.notFound("category", key)
        }
        return try APIResponse.json(view, status: .ok)
    }

    /// The tenant's categories as JSON, ordered by key; only the one named `key` when it is given.
    func load(tenantID: String, key: String? = nil) async throws -> [[String: Any]] {
        try await dependencies.rows(
            """
            SELECT key, kind, critical, default_channels, template_key, unknown_outcome, cap_action, fallback::text,
                   digest::text, erase_content_after_seconds
            FROM notify.categories WHERE tenant_id = \(tenantID) AND (\(key)::text IS NULL OR key = \(key))
            ORDER BY key
            """
        ).map { row in
            let (key, kind, critical, channels, template, unknown, cap, fallback, digest, eraseAfter) = try row.decode(
                (String, String, Bool, [String], String, String, String, String, String?, Int?).self)
            return [
                "key": key, "kind": kind, "critical": critical, "default_channels": channels, "template": template,
                "unknown_outcome": unknown, "cap_action": cap,
                "fallback": try JSONSerialization.jsonObject(with: Data(fallback.utf8)),
                "digest": try digest.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) } ?? NSNull(),
                "erase_content_after_seconds": eraseAfter.map { $0 as Any } ?? NSNull(),
            ]
        }
    }

    /// The shortest time a category may keep content before erasing it: one minute.
    static let minimumEraseAfterSeconds = 60
    /// The longest a category may keep content before erasing it: 30 days.
    static let maximumEraseAfterSeconds = 30 * 86_400

    /// Checks `erase_content_after_seconds` against its range, the digest and the timed fallbacks.
    static func checkErasure(_ body: CategoryRequest) throws {
        guard let after = body.eraseContentAfterSeconds else { return }
        guard (minimumEraseAfterSeconds...maximumEraseAfterSeconds).contains(after) else {
            throw APIError(
                .badRequest, code: "invalid_erase_content_after_seconds",
                "\"erase_content_after_seconds\" must be between \(minimumEraseAfterSeconds) and \(maximumEraseAfterSeconds) (30 days), or null to keep content; got \(after)"
            )
        }
        if let digest = body.digest, digest != .null {
            throw APIError(
                .badRequest, code: "invalid_erase_content_after_seconds",
                "\"erase_content_after_seconds\" cannot be combined with \"digest\": a digest keeps each item's data until it closes; remove one of them"
            )
        }
        for (channel, rule) in (body.fallback ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let fallbackAfter = rule.afterSeconds, fallbackAfter >= after {
                throw APIError(
                    .badRequest, code: "invalid_erase_content_after_seconds",
                    "the \(channel) fallback waits \(fallbackAfter) s, but the content is erased after \(after) s and the fallback would have nothing to send; make \"erase_content_after_seconds\" longer than every fallback's \"after_seconds\""
                )
            }
        }
    }
}

/// A category's fallback for one channel: `"sms"` (when the channel cannot reach the user) or
/// `{"to": "sms", "after_seconds": 600}` (also when it is not confirmed within that time).
struct FallbackRule: Decodable {
    var to: String
    var afterSeconds: Int?

    enum CodingKeys: String, CodingKey {
        case to
        case afterSeconds = "after_seconds"
    }

    init(from decoder: any Decoder) throws {
        if let channel = try? decoder.singleValueContainer().decode(String.self) {
            to = channel
            afterSeconds = nil
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        to = try container.decode(String.self, forKey: .to)
        afterSeconds = try container.decodeIfPresent(Int.self, forKey: .afterSeconds)
    }
}

/// Keys of categories, templates and topics: lowercase letters, digits and `_ . -`, up to 63 characters.
enum ResourceKey {
    /// The key, or a 400 with `code` that names `field` and the rule.
    static func check(_ key: String, field: String, code: String = "invalid_key") throws -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_.-")
        guard (1...63).contains(key.count), key.allSatisfy({ allowed.contains($0) }), key.first != "_",
            key.first != ".", key.first != "-"
        else {
            throw APIError(
                .badRequest, code: code,
                "\(field) \"\(key.prefix(70))\" must be 1 to 63 lowercase letters, digits, '_', '.' or '-', starting with a letter or digit"
            )
        }
        return key
    }
}

extension Parameters {
    func resourceKey(_ name: String) throws -> String {
        try ResourceKey.check(self.get(name)?.removingPercentEncoding ?? "", field: name)
    }
}
