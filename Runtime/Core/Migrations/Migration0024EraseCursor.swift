extension Migration {
    /// Erasure in bounded steps (`ContentErasure` in `schedule-tick`).
    ///
    /// - `notifications.erase_cursor`: for a notification whose deliveries take more than one tick
    ///   to clear (a topic broadcast, a campaign), the user id up to which they are cleared; the
    ///   next tick goes on from there through the deliveries' unique index (notification, user,
    ///   channel) instead of reading the cleared ones again. NULL before the first step and once
    ///   the notification is erased.
    ///
    /// A nullable column without a default: adding it rewrites nothing. It can run again after an
    /// interruption.
    static let v0024EraseCursor = Migration(
        version: 24, name: "content erasure in bounded steps",
        sql: #"""
            ALTER TABLE notify.notifications ADD COLUMN IF NOT EXISTS erase_cursor bigint;
            """#, transactional: false)
}
