import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// Templates, versioned per key × channel × locale:
/// - `POST /v1/templates/{key}/{channel}/{locale}/versions` — a new version (`?activate=true` to
///   make it active at once); the body is the channel's template fields (subject/html/text, text,
///   title/body/data, title/body/action_url);
/// - `POST /v1/templates/{key}/{channel}/{locale}/versions/{version}/activate`;
/// - `GET /v1/templates` — every key × channel × locale with its versions and active one;
/// - `POST /v1/templates/preview` — renders a stored or inline template against sample data
///   without sending anything.
struct TemplateRoutes: Sendable {
    let dependencies: APIDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("templates/{key}/{channel}/{locale}/versions") { request, context in
            try await createVersion(request, context)
        }
        group.post("templates/{key}/{channel}/{locale}/versions/{version}/activate") { _, context in
            try await activate(context)
        }
        group.get("templates") { _, context in try await list(context) }
        group.post("templates/preview") { request, context in try await preview(request, context) }
    }

    struct Address {
        var key: String
        var channel: Channel
        var locale: String
    }

    func address(_ context: APIRequestContext) throws -> Address {
        let key = try context.parameters.resourceKey("key")
        let channel = try ContactCheck.run { () throws(ModelError) in
            try Channel.parse(context.parameters.get("channel") ?? "")
        }
        let locale = try ContactCheck.run { () throws(ModelError) in
            try ContactValidation.locale(context.parameters.get("locale") ?? "")
        }
        return Address(key: key, channel: channel, locale: locale)
    }

    static let sourceFields: Set<String> = ["subject", "html", "text", "title", "body", "data", "action_url"]

    func createVersion(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let address = try address(context)
        let activate = try QueryFlag.value("activate", in: request)
        let source = try await JSONBody.decode(TemplateSource.self, from: request, allowedKeys: Self.sourceFields)
        try ContactCheck.run { () throws(ModelError) in try source.validate(for: address.channel) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(source), as: UTF8.self)
        let version: Int32 = try await dependencies.client.withTransaction(logger: context.logger) { connection in
            // Serialise version numbering per template address.
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtext(\(tenantID) || '/' || \(address.key) || '/' || \(address.channel.rawValue) || '/' || \(address.locale)))",
                logger: context.logger)
            let rows = try await connection.query(
                """
                INSERT INTO notify.templates (tenant_id, key, channel, locale, version, source)
                SELECT \(tenantID), \(address.key), \(address.channel.rawValue), \(address.locale),
                       coalesce(max(version), 0) + 1, \(json)::jsonb
                FROM notify.templates
                WHERE tenant_id = \(tenantID) AND key = \(address.key) AND channel = \(address.channel.rawValue)
                  AND locale = \(address.locale)
                RETURNING version
                """, logger: context.logger)
            var version: Int32 = 0
            for try await value in rows.decode(Int32.self) { version = value }
            if activate {
                _ = try await Self.activate(
                    address, version: version, tenantID: tenantID, on: connection, context: context)
            }
            return version
        }
        return try APIResponse.json(
            [
                "key": address.key, "channel": address.channel.rawValue, "locale": address.locale,
                "version": Int(version), "active": activate,
            ] as [String: Any], status: .created)
    }

    func activate(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let address = try address(context)
        guard let version = context.parameters.get("version").flatMap(Int32.init) else {
            throw APIError(.badRequest, code: "invalid_version", "version must be an integer")
        }
        let found = try await dependencies.client.withTransaction(logger: context.logger) { connection in
            try await Self.activate(address, version: version, tenantID: tenantID, on: connection, context: context)
        }
        guard found else {
            throw APIError.notFound(
                "template_version", "\(address.key)/\(address.channel.rawValue)/\(address.locale)/\(version)")
        }
        return try APIResponse.json(
            [
                "key": address.key, "channel": address.channel.rawValue, "locale": address.locale,
                "version": Int(version), "active": true,
            ] as [String: Any], status: .ok)
    }

    static func activate(
        _ address: Address, version: Int32, tenantID: String, on connection: PostgresConnection,
        context: APIRequestContext
    ) async throws -> Bool {
        let exists = try await connection.query(
            """
            SELECT 1 FROM notify.templates WHERE tenant_id = \(tenantID) AND key = \(address.key)
              AND channel = \(address.channel.rawValue) AND locale = \(address.locale) AND version = \(version)
            """, logger: context.logger)
        var found = false
        for try await _ in exists { found = true }
        guard found else { return false }
        try await connection.query(
            """
            UPDATE notify.templates SET active = false WHERE tenant_id = \(tenantID) AND key = \(address.key)
              AND channel = \(address.channel.rawValue) AND locale = \(address.locale) AND active
            """, logger: context.logger)
        try await connection.query(
            """
            UPDATE notify.templates SET active = true WHERE tenant_id = \(tenantID) AND key = \(address.key)
              AND channel = \(address.channel.rawValue) AND locale = \(address.locale) AND version = \(version)
            """, logger: context.logger)
        return true
    }

    func list(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let rows = try await dependencies.rows(
            """
            SELECT key, channel, locale, array_agg(version ORDER BY version), max(version) FILTER (WHERE active)
            FROM notify.templates WHERE tenant_id = \(tenantID)
            GROUP BY key, channel, locale ORDER BY key, channel, locale
            """)
        let templates: [[String: Any]] = try rows.map { row in
            let (key, channel, locale, versions, active) = try row.decode(
                (String, String, String, [Int32], Int32?).self)
            return [
                "key": key, "channel": channel, "locale": locale, "versions": versions.map(Int.init),
                "active_version": active.map { Int($0) as Any } ?? NSNull(),
            ]
        }
        return try APIResponse.json(["templates": templates], status: .ok)
    }

    struct PreviewRequest: Decodable {
        var channel: String
        var key: String?
        var locale: String?
        var source: TemplateSource?
        var data: [String: JSONValue]?
    }

    func preview(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let body = try await JSONBody.decode(
            PreviewRequest.self, from: request, allowedKeys: ["channel", "key", "locale", "source", "data"])
        let channel = try ContactCheck.run { () throws(ModelError) in try Channel.parse(body.channel) }
        // Checked as a template's own locale is: an invalid tag would silently fall back.
        let requestedLocale = try ContactCheck.value(body.locale, ContactValidation.locale)
        let source: TemplateSource
        var usedLocale: String?
        if let inline = body.source {
            source = inline
        } else if let key = body.key {
            let rows = try await dependencies.rows(
                """
                SELECT t.locale, t.source::text, n.default_locale FROM notify.templates t
                JOIN notify.tenants n ON n.id = t.tenant_id
                WHERE t.tenant_id = \(tenantID) AND t.key = \(key) AND t.channel = \(channel.rawValue) AND t.active
                """)
            var sources: [String: String] = [:]
            var fallback = "en"
            for row in rows {
                let (locale, text, defaultLocale) = try row.decode((String, String, String).self)
                sources[locale] = text
                fallback = defaultLocale
            }
            guard
                let locale = LocaleFallback.resolve(
                    requested: requestedLocale, tenantDefault: fallback, available: Set(sources.keys))
            else {
                throw APIError(
                    .unprocessableContent, code: "unknown_template",
                    "template \"\(key)\" has no active \(channel.rawValue) version in locale \(requestedLocale ?? fallback) or its fallbacks"
                )
            }
            usedLocale = locale
            source = try JSONDecoder().decode(TemplateSource.self, from: Data(sources[locale]!.utf8))
        } else {
            throw APIError(.badRequest, code: "invalid_body", "give either \"key\" (a stored template) or \"source\"")
        }
        let content: RenderedContent
        do {
            content = try TemplateRenderer().render(source, channel: channel, data: body.data ?? [:])
        } catch {
            throw APIError(.unprocessableContent, code: error.code, error.message)
        }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var json = try JSONSerialization.jsonObject(with: try encoder.encode(content)) as? [String: Any] ?? [:]
            if let usedLocale { json["locale"] = usedLocale }
            return try APIResponse.json(json, status: .ok)
        }
    }
}
