extension Migration {
    /// `devices.registered_at`: when the app last registered the token (created, or registered
    /// again). APNs' 410 carries the time it confirmed the token invalid; a token registered after
    /// that time is not invalidated (reference §4.3, §6). Rows from before this column read their
    /// `created_at` instead.
    static let v0034DeviceRegisteredAt = Migration(
        version: 34, name: "when a device token was last registered",
        sql: #"""
            ALTER TABLE notify.devices ADD COLUMN registered_at timestamptz;
            COMMENT ON COLUMN notify.devices.registered_at IS
                'when the token was last registered (NULL: at created_at)';
            """#)
}
