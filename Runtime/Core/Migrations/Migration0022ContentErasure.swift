extension Migration {
    /// Erasure of a notification's content after its category's time (`ContentErasure` in
    /// `schedule-tick`): a one-time passcode is not kept in the database once it is of no use.
    ///
    /// - `categories.erase_content_after_seconds`: the category's time, from one minute to 30 days,
    ///   or NULL to keep content.
    /// - `notifications.erase_content_at`: when the tick erases the notification's data, its
    ///   deliveries' rendered content and its request hash. `validate` sets it when it expands the
    ///   notification; it is NULL for categories that keep content, and again once erased.
    /// - `notifications.content_erased_at`: when that happened.
    /// - `notifications_content_due`: the notifications waiting for erasure, by time, so each tick
    ///   reads only those that are due. Partial, so notifications of categories that keep content
    ///   are not in it and their status updates stay heap-only. Built `CONCURRENTLY`: notifications
    ///   keep being accepted while it builds. Every statement can run again after an interruption.
    static let v0022ContentErasure = Migration(
        version: 22, name: "content erasure after a category's time",
        sql: #"""
            ALTER TABLE notify.categories ADD COLUMN IF NOT EXISTS erase_content_after_seconds integer;
            ALTER TABLE notify.categories DROP CONSTRAINT IF EXISTS categories_erase_content_after_seconds_range;
            ALTER TABLE notify.categories ADD CONSTRAINT categories_erase_content_after_seconds_range
                CHECK (erase_content_after_seconds BETWEEN 60 AND 2592000);
            ALTER TABLE notify.notifications ADD COLUMN IF NOT EXISTS erase_content_at timestamptz,
                ADD COLUMN IF NOT EXISTS content_erased_at timestamptz;
            DROP INDEX CONCURRENTLY IF EXISTS notify.notifications_content_due;
            CREATE INDEX CONCURRENTLY notifications_content_due ON notify.notifications (erase_content_at)
                WHERE erase_content_at IS NOT NULL;
            """#, transactional: false)
}
