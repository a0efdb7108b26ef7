extension Migration {
    /// A tenant's inbox secret can be replaced (`notify tenants rotate-inbox-secret`) while the
    /// signatures clients already hold keep working for a while: the secret it replaced stays in
    /// `previous_inbox_secret`, accepted until `previous_inbox_secret_until`. Two nullable columns
    /// without defaults: adding them rewrites nothing.
    static let v0030InboxSecretRotation = Migration(
        version: 30, name: "a tenant's inbox secret can be rotated with a grace period",
        sql: #"""
            ALTER TABLE notify.tenants
                ADD COLUMN previous_inbox_secret bytea,
                ADD COLUMN previous_inbox_secret_until timestamptz;
            """#)
}
