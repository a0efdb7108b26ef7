extension Migration {
    /// A tenant's default time zone: the zone of its users who have none, for local-time sends
    /// and quiet hours. UTC for existing tenants, as before.
    static let v0013TenantTimeZone = Migration(
        version: 13, name: "tenant default time zone",
        sql: #"""
            ALTER TABLE notify.tenants ADD COLUMN default_timezone text NOT NULL DEFAULT 'UTC';
            """#)
}
