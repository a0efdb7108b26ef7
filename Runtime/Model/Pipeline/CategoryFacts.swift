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
    /// Seconds after its expansion when a notification's data and rendered content are erased, or
    /// nil to keep them: for categories of one-time passcodes and other secrets.
    public var eraseContentAfterSeconds: Int? = nil

    /// The category's columns for a query that joins `notify.categories c`, so a stage can read
    /// its notification and category in one round trip. With a LEFT JOIN a missing category reads
    /// as NULLs, which ``init(key:columns:)`` turns into the `unknown_category` failure.
    public static let joinedColumns =
        "c.kind, c.critical, c.default_channels, c.template_key, c.unknown_outcome, c.cap_action, c.digest::text, "
        + "c.erase_content_after_seconds"

    /// The values of ``joinedColumns``, each NULL when the category does not exist.
    public typealias Columns = (String?, Bool?, [String]?, String?, String?, String?, String?, Int?)

    /// Loads a tenant's category; a missing one is a permanent `unknown_category` failure.
    public static func load(tenantID: String, key: String, context: FunctionContext) async throws -> CategoryFacts {
        let rows = try await context.database.query(
            """
            SELECT \(unescaped: joinedColumns)
            FROM notify.categories c WHERE c.tenant_id = \(tenantID) AND c.key = \(key)
            """, logger: context.logger)
        let columns = try rows.first?.decode(Columns.self) ?? (nil, nil, nil, nil, nil, nil, nil, nil)
        return try CategoryFacts(key: key, columns: columns)
    }
}

extension CategoryFacts {
    /// The category read through ``joinedColumns``; a missing one (NULL columns) is a permanent
    /// `unknown_category` failure.
    public init(key: String, columns: Columns) throws {
        let (kind, critical, channels, template, unknown, cap, digest, eraseAfter) = columns
        guard let kind, let critical, let channels, let template, let unknown, let cap else {
            throw FunctionError(
                .permanent, code: "unknown_category",
                "category \"\(key)\" does not exist for this tenant; create it with PUT /v1/categories/\(key)")
        }
        self.init(
            key: key, kind: CategoryKind(rawValue: kind) ?? .transactional, critical: critical,
            defaultChannels: channels, templateKey: template,
            unknownOutcome: UnknownOutcomePolicy(rawValue: unknown) ?? .retry,
            capAction: FrequencyCapAction(rawValue: cap) ?? .defer,
            digest: try digest.map { try JSONDecoder().decode(DigestSettings.self, from: Data($0.utf8)) },
            eraseContentAfterSeconds: eraseAfter)
    }
}
