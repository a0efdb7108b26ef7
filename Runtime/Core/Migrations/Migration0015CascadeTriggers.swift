extension Migration {
    /// A notification's and a delivery's parent is no longer checked by a foreign key on every
    /// write; deleting the parent still deletes them, by a trigger.
    ///
    /// A foreign key check is a query run by PostgreSQL for each inserted row (and again for each
    /// row a transaction updates a second time), and it locks the parent row `FOR KEY SHARE`: a
    /// lock written to the WAL and kept in the row itself. Every notification of a tenant locked
    /// the tenant's one row, so concurrent acceptances (one HTTP request each) shared that lock
    /// through multixacts; every delivery locked its notification twice (at its insert by
    /// `validate` and when `send-inapp` updated it a second time in render's transaction). A
    /// single-recipient in-app notification made four such checks, three of them these.
    ///
    /// What keeps the parents there instead: a notification is inserted only for a tenant that
    /// exists (the API's key names it; `notify.send` checks it), a delivery only by a function
    /// that has just read its notification, and the engine deletes neither tenants nor
    /// notifications. An operator who does still removes the children with them: a statement
    /// trigger deletes a deleted tenant's notifications, and a deleted notification's deliveries,
    /// as `ON DELETE CASCADE` did. (`inbox_items` keeps its key on users: erasing a user must not
    /// race with an item being delivered to them.)
    static let v0015CascadeTriggers = Migration(
        version: 15, name: "notification and delivery parents without per-row checks",
        sql: #"""
            ALTER TABLE notify.notifications DROP CONSTRAINT IF EXISTS notifications_tenant_id_fkey;
            ALTER TABLE notify.deliveries DROP CONSTRAINT IF EXISTS deliveries_notification_id_fkey;

            CREATE FUNCTION notify.tenants_cascade_notifications() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                DELETE FROM notify.notifications n USING gone g WHERE n.tenant_id = g.id;
                RETURN NULL;
            END
            $$;
            CREATE TRIGGER tenants_cascade_notifications AFTER DELETE ON notify.tenants
                REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
                EXECUTE FUNCTION notify.tenants_cascade_notifications();

            CREATE FUNCTION notify.notifications_cascade_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                DELETE FROM notify.deliveries d USING gone g WHERE d.notification_id = g.id;
                RETURN NULL;
            END
            $$;
            CREATE TRIGGER notifications_cascade_deliveries AFTER DELETE ON notify.notifications
                REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
                EXECUTE FUNCTION notify.notifications_cascade_deliveries();
            """#)
}
