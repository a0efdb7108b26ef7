import Foundation
import NotifyFunctionKit
import PostgresNIO

/// What the pipeline needs to know about a notification's category.
public struct CategoryFacts: Sendable, Hashable {
    /// The category's key.
    public var key: String
    /// Transactional or marketing.
    public var kind: CategoryKind
    /// Critical categories (passcodes, security alerts) bypass opt-outs, quiet hours and caps.
    public var critical: Bool
    /// Channels used when a notification names none.
    public var defaultChannels: [String]
    /// The template key used when a notification names none.
    public var templateKey: String
    /// Whether an unknown send outcome is retried.
    public var unknownOutcome: UnknownOutcomePolicy
    /// What happens when a user's frequency cap is reached.
    public var capAction: FrequencyCapAction
    /// The category's digest, when deliveries collect into one message.
    public var digest: DigestSettings? = nil

    /// Loads a tenant's category; a missing one is a permanent `unknown_category` failure.
    public static func load(tenantID: String, key: String, context: FunctionContext) async throws -> CategoryFacts {
        let rows = try await context.database.query(
            """
            SELECT kind, critical, default_channels, template_key, unknown_outcome, cap_action, digest::text
            FROM notify.categories WHERE tenant_id = \(tenantID) AND key = \(key)
            """, logger: context.logger)
        guard let row = rows.first else {
            throw FunctionError(
                .permanent, code: "unknown_category",
                "category \"\(key)\" does not exist for this tenant; create it with PUT /v1/categories/\(key)")
        }
        let (kind, critical, channels, template, unknown, cap, digest) = try row.decode(
            (String, Bool, [String], String, String, String, String?).self)
        return CategoryFacts(
            key: key, kind: CategoryKind(rawValue: kind) ?? .transactional, critical: critical,
            defaultChannels: channels, templateKey: template,
            unknownOutcome: UnknownOutcomePolicy(rawValue: unknown) ?? .retry,
            capAction: FrequencyCapAction(rawValue: cap) ?? .defer,
            digest: try digest.map { try JSONDecoder().decode(DigestSettings.self, from: Data($0.utf8)) })
    }
}
