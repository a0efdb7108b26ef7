import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// The checks `POST /v1/notifications` makes before accepting: the category, the template and the
/// recipients must exist for the caller's tenant, so a typo is a 422 now rather than a refusal
/// later in the timeline. (`validate` checks again, since SQL producers skip this.)
struct NotificationChecks: Sendable {
    let dependencies: APIDependencies
    let tenantID: String

    /// Checks the request; returns the lane its first job runs in: the request's priority, else the
    /// category's (critical categories in the critical lane from the very first stage).
    func check(_ request: NotificationRequest) async throws -> Lane {
        let users = request.to.users ?? [request.to.user].compactMap { $0 }
        // One round trip, shared with concurrent requests: the category's template, whether that
        // template (or the requested one) has an active version, whether the topic exists, and
        // which of the users exist.
        guard
            let facts = try await dependencies.lookups.checks.load(
                APILookups.CheckQuery(
                    tenantID: tenantID, category: request.category, template: request.template,
                    topic: request.to.topic, users: users),
                context: APICaller(logger: dependencies.logger))
        else {
            throw APIError(
                .unprocessableContent, code: "unknown_category",
                "category \"\(request.category)\" does not exist; create it with PUT /v1/categories/\(request.category)"
            )
        }
        let templateKey = request.template ?? facts.categoryTemplate
        if !facts.templateActive {
            throw APIError(
                .unprocessableContent, code: "unknown_template",
                "template \"\(templateKey)\" has no active version; create one with POST /v1/templates/\(templateKey)/{channel}/{locale}/versions"
            )
        }
        if let topic = request.to.topic, !facts.topicExists {
            throw APIError(
                .unprocessableContent, code: "unknown_topic",
                "topic \"\(topic)\" does not exist; create it with PUT /v1/topics/\(topic)")
        }
        let known = Set(facts.foundUsers)
        let missing = users.filter { !known.contains($0) }
        if !missing.isEmpty {
            let shown = missing.prefix(10).map { "\"\($0)\"" }.joined(separator: ", ")
            throw APIError(
                .unprocessableContent, code: "unknown_user",
                "\(missing.count) recipient\(missing.count == 1 ? "" : "s") not found (\(shown)); create users with PUT /v1/users/{id}"
            )
        }
        return PipelineLane.lane(
            priority: request.priority, kind: CategoryKind(rawValue: facts.kind) ?? .transactional,
            critical: facts.critical)
    }
}
