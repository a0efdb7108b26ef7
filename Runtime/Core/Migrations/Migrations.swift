/// All migrations, in order.
public enum Migrations {
    /// The list `notify migrate` applies.
    public static let all: [Migration] = [
        .v0001Runtime, .v0002Probe, .v0003Pipeline, .v0004Channels, .v0005StatusEvents, .v0006Schedules,
        .v0007Digests, .v0008Campaigns, .v0009SendLane, .v0010StrandedSends, .v0011HotUpdates,
        .v0012StatusNotIndexed, .v0013TenantTimeZone, .v0014ThrottledSQLWakeups, .v0015CascadeTriggers,
        .v0016StatusDomains, .v0017WakeupMemo, .v0018SendEnqueuesItself, .v0019SendMany,
        .v0020TickIndexes, .v0021CallbackRetention, .v0022ContentErasure, .v0023RecordRetention,
        .v0024EraseCursor, .v0025StrictSQLTimes, .v0026FiniteRunAt, .v0027InboxChanges,
        .v0028ScheduleLastNotification, .v0029InboxSeen,
        .v0030InboxSecretRotation, .v0031InboxAuth, .v0032TenantRequestBuckets,
        .v0033AcceptedRevision, .v0034DeviceRegisteredAt,
    ]
}
