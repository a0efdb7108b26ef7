extension Migration {
    /// `provider_circuits.accepted_revision`: the account revision (`provider_accounts.updated_at`)
    /// under which the account last had a message accepted. APNs answers `BadDeviceToken` both for
    /// a bad token and for every token when the account points at the wrong environment
    /// (development against production); a device is only invalidated once the account has shown,
    /// in its current configuration, that it reaches the right one.
    static let v0033AcceptedRevision = Migration(
        version: 33, name: "provider accounts proven in their current configuration",
        sql: #"""
            ALTER TABLE notify.provider_circuits ADD COLUMN accepted_revision timestamptz;
            COMMENT ON COLUMN notify.provider_circuits.accepted_revision IS
                'the provider_accounts.updated_at under which the account last had a message accepted';
            """#)
}
