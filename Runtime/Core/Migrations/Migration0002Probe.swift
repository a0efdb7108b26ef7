extension Migration {
    /// Tables of the `probe` diagnostic function.
    static let v0002Probe = Migration(
        version: 2, name: "probe diagnostics",
        sql: #"""
            CREATE TABLE notify.probe_runs (
                marker      text NOT NULL,
                job_id      bigint NOT NULL,
                attempt     integer NOT NULL,
                pid         integer NOT NULL,
                finished_at timestamptz NOT NULL DEFAULT clock_timestamp()
            );
            CREATE INDEX probe_runs_by_marker ON notify.probe_runs (marker, job_id);
            CREATE TABLE notify.probe_starts (
                marker      text NOT NULL,
                job_id      bigint NOT NULL,
                attempt     integer NOT NULL,
                pid         integer NOT NULL,
                started_at  timestamptz NOT NULL DEFAULT clock_timestamp()
            );
            CREATE INDEX probe_starts_by_marker ON notify.probe_starts (marker, job_id);
            """#)
}
