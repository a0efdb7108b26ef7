import Foundation
import NotifyModel
import PostgresNIO

/// The checks `POST /v1/notifications` makes before accepting: the category, the template and the
/// recipients must exist for the caller's tenant, so a typo is a 422 now rather than a refusal
/// later in the timeline. (`validate` checks again, since SQL producers skip this.)
struct NotificationChecks: Sendable {
    let dependencies: APIDependencies
    let tenantID: String

    func check(_ request: NotificationRequest) async throws {
        let rows = try await dependencies.rows(
            """
            SELECT template_key FROM notify.categories WHERE tenant_id = \(tenantID) AND key = \(request.category)
            """)
        guard let row = rows.first else {
            throw APIError(
                .unprocessableContent, code: "unknown_category",
                "category \"\(request.category)\" does not exist; create it with PUT /v1/categories/\(request.category)"
            )
        }
        let templateKey = try request.template ?? row.decode(String.self)
        let templates = try await dependencies.rows(
            """
            SELECT 1 FROM notify.templates WHERE tenant_id = \(tenantID) AND key = \(templateKey) AND active LIMIT 1
            """)
        if templates.isEmpty {
            throw APIError(
                .unprocessableContent, code: "unknown_template",
                "template \"\(templateKey)\" has no active version; create one with POST /v1/templates/\(templateKey)/{channel}/{locale}/versions"
            )
        }
        if let topic = request.to.topic {
            let found = try await dependencies.rows(
                "SELECT 1 FROM notify.topics WHERE tenant_id = \(tenantID) AND key = \(topic)")
            if found.isEmpty {
                throw APIError(
                    .unprocessableContent, code: "unknown_topic",
                    "topic \"\(topic)\" does not exist; create it with PUT /v1/topics/\(topic)")
            }
        } else {
            let users = request.to.users ?? [request.to.user].compactMap { $0 }
            let found = try await dependencies.rows(
                """
                SELECT external_id FROM notify.users WHERE tenant_id = \(tenantID) AND external_id = ANY(\(users)::text[])
                """)
            let known = Set(try found.map { try $0.decode(String.self) })
            let missing = users.filter { !known.contains($0) }
            if !missing.isEmpty {
                let shown = missing.prefix(10).map { "\"\($0)\"" }.joined(separator: ", ")
                throw APIError(
                    .unprocessableContent, code: "unknown_user",
                    "\(missing.count) recipient\(missing.count == 1 ? "" : "s") not found (\(shown)); create users with PUT /v1/users/{id}"
                )
            }
        }
    }
}
