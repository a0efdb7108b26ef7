extension Migration {
    /// An index of deliveries in `sending`, for `schedule-tick`'s rescue of deliveries whose
    /// sending attempt died and whose job no longer exists (see `StrandedSendRescue`). Partial, so
    /// it holds only the few deliveries in flight at any moment.
    static let v0010StrandedSends = Migration(
        version: 10, name: "index of deliveries in flight",
        sql: #"""
            CREATE INDEX deliveries_sending ON notify.deliveries (sending_since) WHERE status = 'sending';
            """#)
}
