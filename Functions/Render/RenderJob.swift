import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// Everything `render` reads for one batch: the notification's data, the templates per locale and
/// the recipients' locales and custom data.
struct RenderJob: Sendable {
    struct Recipient: Sendable {
        var userID: Int64
        var locale: String?
        var templateValue: JSONValue
    }

    var templateKey: String
    var defaultLocale: String
    var data: [String: JSONValue]
    var templates: [String: TemplateSource]
    var recipients: [Recipient]
    /// Whether the notification's content was erased (its category's
    /// `erase_content_after_seconds` passed): nothing is left to render.
    var contentErased = false

    /// Reads what the jobs of `batches` render, in two queries (at once for the critical lane, see
    /// ``NotifyFunctionKit/FunctionContext/both(_:_:)``): the notifications with their templates,
    /// and the recipients. A batch that cannot be read gets its own failure.
    static func loadAll(
        _ batches: [DeliveryBatch], context: FunctionContext
    ) async throws -> [Result<RenderJob, any Error>] {
        let (jobs, (recipients, failures)) = try await context.both(
            { try await heads(of: batches, context: context) },
            { try await Self.recipients(of: batches, context: context) })
        return jobs.indices.map { index in
            jobs[index].flatMap { job in
                if let failure = failures[index] { return .failure(failure) }
                var job = job
                job.recipients = recipients[index]
                return .success(job)
            }
        }
    }

    /// Per batch, its notification's data, template key, tenant default locale and the key's
    /// active templates for the channel (one per locale); no recipients yet.
    private static func heads(
        of batches: [DeliveryBatch], context: FunctionContext
    ) async throws -> [Result<RenderJob, any Error>] {
        let decoder = JSONDecoder()
        let heads = try await context.database.query(
            """
            SELECT r.ord, coalesce(n.template_key, c.template_key), t.default_locale, n.data::text,
                   tp.locales, tp.sources, n.content_erased_at IS NOT NULL
            -- The arrays behind sub-selects: one plan for every batch size (see AutoPreparedStatement).
            FROM unnest((SELECT \(batches.map(\.notificationID))::uuid[]), (SELECT \(batches.map(\.tenantID))::text[]),
                        (SELECT \(batches.map(\.channel.rawValue))::text[])) WITH ORDINALITY AS r(id, tenant_id, channel, ord)
            CROSS JOIN LATERAL (
                SELECT n.tenant_id, n.template_key, n.category_key, n.data, n.content_erased_at
                FROM notify.notifications n
                WHERE n.id = r.id AND n.tenant_id = r.tenant_id OFFSET 0
            ) n
            CROSS JOIN LATERAL (SELECT t.default_locale FROM notify.tenants t WHERE t.id = n.tenant_id OFFSET 0) t
            CROSS JOIN LATERAL (
                SELECT c.template_key FROM notify.categories c
                WHERE c.tenant_id = n.tenant_id AND c.key = n.category_key OFFSET 0
            ) c
            CROSS JOIN LATERAL (
                SELECT coalesce(array_agg(tp.locale ORDER BY tp.locale), '{}') AS locales,
                       coalesce(array_agg(tp.source::text ORDER BY tp.locale), '{}') AS sources
                FROM notify.templates tp
                WHERE tp.tenant_id = n.tenant_id AND tp.key = coalesce(n.template_key, c.template_key)
                  AND tp.channel = r.channel AND tp.active
            ) tp
            """, logger: context.logger)
        // Filled from the rows; a batch without one gets its error after (made only when needed).
        var found = [Result<RenderJob, any Error>?](repeating: nil, count: batches.count)
        for row in heads {
            let (ord, templateKey, defaultLocale, dataText, locales, sources, erased) = try row.decode(
                (Int64, String, String, String, [String], [String], Bool).self)
            found[Int(ord) - 1] = Result {
                let data = try JSONValue.object(parsing: dataText)
                var templates: [String: TemplateSource] = [:]
                for (locale, source) in zip(locales, sources) {
                    templates[locale] = try TemplateSourceMemo.source(source, decoder: decoder)
                }
                return RenderJob(
                    templateKey: templateKey, defaultLocale: defaultLocale, data: data, templates: templates,
                    recipients: [], contentErased: erased)
            }
        }
        return zip(batches, found).map { batch, job in
            job
                ?? .failure(
                    FunctionError(
                        .permanent, code: "notification_not_found",
                        "notification \(batch.notificationID) or its category does not exist"))
        }
    }

    /// Per batch, its deliveries still pending (or, in a batch of new deliveries, not found yet:
    /// see ``NotifyModel/DeliveryBatch/newDeliveries``) with their users' locales and data, or the
    /// error that one of them could not be read with.
    private static func recipients(
        of batches: [DeliveryBatch], context: FunctionContext
    ) async throws -> (recipients: [[Recipient]], failures: [Int: any Error]) {
        let keys = DeliveryKeys(batches)
        var recipients = [[Recipient]](repeating: [], count: batches.count)
        var failures: [Int: any Error] = [:]
        guard !keys.isEmpty else { return (recipients, failures) }
        for row in try await context.database.query(
            """
            SELECT r.ord, r.user_id, u.locale, u.external_id, u.data::text
            -- The arrays behind sub-selects: one plan for every batch size (see AutoPreparedStatement).
            FROM unnest((SELECT \(keys.batchIndexes)::bigint[]), (SELECT \(keys.notificationIDs)::uuid[]),
                        (SELECT \(keys.tenantIDs)::text[]), (SELECT \(keys.channels)::text[]),
                        (SELECT \(keys.userIDs)::bigint[]),
                        (SELECT \(keys.perRow { batches[$0].newDeliveries == true })::boolean[]))
                 AS r(ord, notification_id, tenant_id, channel, user_id, new_deliveries)
            LEFT JOIN LATERAL (
                SELECT d.status, d.tenant_id FROM notify.deliveries d
                WHERE d.notification_id = r.notification_id AND d.user_id = r.user_id AND d.channel = r.channel
                OFFSET 0
            ) d ON d.tenant_id = r.tenant_id
            CROSS JOIN LATERAL (
                SELECT u.locale, u.external_id, u.data FROM notify.users u
                WHERE u.id = r.user_id AND u.tenant_id = r.tenant_id OFFSET 0
            ) u
            WHERE d.status = 'pending' OR (d.status IS NULL AND r.new_deliveries)
            """, logger: context.logger)
        {
            let (ord, userID, locale, externalID, userData) = try row.decode(
                (Int64, Int64, String?, String, String).self)
            do {
                var user = try JSONValue.object(parsing: userData)
                user["external_id"] = .string(externalID)
                recipients[Int(ord)].append(
                    Recipient(userID: userID, locale: locale, templateValue: .object(user)))
            } catch {
                failures[Int(ord)] = error
            }
        }
        return (recipients, failures)
    }
}
