extension Migration {
    /// How a tenant's end users authenticate to the inbox (`tenants.inbox_auth`): `signature_or_token`
    /// (the default: a signature, which never expires, or an expiring token) or `token` (only
    /// tokens, `notify tenants set-inbox-auth ID token`). A constant default: adding the column
    /// rewrites nothing.
    static let v0031InboxAuth = Migration(
        version: 31, name: "a tenant can accept only expiring inbox tokens",
        sql: #"""
            ALTER TABLE notify.tenants ADD COLUMN inbox_auth text NOT NULL DEFAULT 'signature_or_token'
                CHECK (inbox_auth IN ('signature_or_token', 'token'));
            """#)
}
