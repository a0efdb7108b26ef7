import PostgresNIO

/// Which channels a template key can be delivered on: those with an active template version, and
/// whether each is routed (in-app always; the others when the tenant has an enabled provider route).
/// `validate` and `POST /v1/campaigns` both ask it.
public enum TemplateRouting {
    /// The query: one row per templated channel, `(channel, routed)`.
    public static func query(tenantID: String, templateKey: String) -> PostgresQuery {
        """
        SELECT DISTINCT t.channel,
               t.channel = 'inapp' OR EXISTS (
                   SELECT 1 FROM notify.provider_routes r
                   JOIN notify.provider_accounts a ON a.id = r.account_id AND a.tenant_id = r.tenant_id AND a.enabled
                   WHERE r.tenant_id = t.tenant_id AND r.channel = t.channel)
        FROM notify.templates t
        WHERE t.tenant_id = \(tenantID) AND t.key = \(templateKey) AND t.active
        """
    }

    /// The rows of ``query(tenantID:templateKey:)``: each templated channel's name and whether it
    /// is routed.
    public static func decode(_ rows: [PostgresRow]) throws -> [String: Bool] {
        var routed: [String: Bool] = [:]
        for row in rows {
            let (channel, isRouted) = try row.decode((String, Bool).self)
            routed[channel] = isRouted
        }
        return routed
    }
}
