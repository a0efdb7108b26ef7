import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// Everything `render` reads for one batch: the notification's data, the templates per locale and
/// the recipients' locales and custom data.
struct RenderJob: Sendable {
    struct Recipient: Sendable {
        var deliveryID: Int64
        var userID: Int64
        var locale: String?
        var templateValue: JSONValue
    }

    var templateKey: String
    var defaultLocale: String
    var data: [String: JSONValue]
    var templates: [String: TemplateSource]
    var recipients: [Recipient]

    static func load(_ batch: DeliveryBatch, context: FunctionContext) async throws -> RenderJob {
        let decoder = JSONDecoder()
        // The notification, its template key and tenant default locale, and the key's active
        // templates for the channel (one per locale), in one round trip.
        let head = try await context.database.query(
            """
            SELECT h.template_key, h.default_locale, h.data,
                   coalesce(array_agg(tp.locale ORDER BY tp.locale) FILTER (WHERE tp.locale IS NOT NULL), '{}'),
                   coalesce(array_agg(tp.source::text ORDER BY tp.locale) FILTER (WHERE tp.locale IS NOT NULL), '{}')
            FROM (
                SELECT coalesce(n.template_key, c.template_key) AS template_key, t.default_locale,
                       n.data::text AS data, n.tenant_id
                FROM notify.notifications n
                JOIN notify.tenants t ON t.id = n.tenant_id
                JOIN notify.categories c ON c.tenant_id = n.tenant_id AND c.key = n.category_key
                WHERE n.id = \(batch.notificationID) AND n.tenant_id = \(batch.tenantID)
            ) h
            LEFT JOIN notify.templates tp
                ON tp.tenant_id = h.tenant_id AND tp.key = h.template_key AND tp.channel = \(batch.channel.rawValue)
               AND tp.active
            GROUP BY h.template_key, h.default_locale, h.data
            """, logger: context.logger)
        guard let row = head.first else {
            throw FunctionError(
                .permanent, code: "notification_not_found",
                "notification \(batch.notificationID) or its category does not exist")
        }
        let (templateKey, defaultLocale, dataText, locales, sources) = try row.decode(
            (String, String, String, [String], [String]).self)
        let data = try decoder.decode([String: JSONValue].self, from: Data(dataText.utf8))
        var templates: [String: TemplateSource] = [:]
        for (locale, source) in zip(locales, sources) {
            templates[locale] = try decoder.decode(TemplateSource.self, from: Data(source.utf8))
        }
        var recipients: [Recipient] = []
        for row in try await context.database.query(
            """
            SELECT d.id, d.user_id, u.locale, u.external_id, u.data::text
            FROM notify.deliveries d JOIN notify.users u ON u.id = d.user_id AND u.tenant_id = d.tenant_id
            WHERE d.notification_id = \(batch.notificationID) AND d.tenant_id = \(batch.tenantID)
              AND d.channel = \(batch.channel.rawValue) AND d.user_id = ANY(\(batch.userIDs)::bigint[])
              AND d.status = 'pending'
            """, logger: context.logger)
        {
            let (deliveryID, userID, locale, externalID, userData) = try row.decode(
                (Int64, Int64, String?, String, String).self)
            var user = try decoder.decode([String: JSONValue].self, from: Data(userData.utf8))
            user["external_id"] = .string(externalID)
            recipients.append(
                Recipient(deliveryID: deliveryID, userID: userID, locale: locale, templateValue: .object(user)))
        }
        return RenderJob(
            templateKey: templateKey, defaultLocale: defaultLocale, data: data, templates: templates,
            recipients: recipients)
    }
}
