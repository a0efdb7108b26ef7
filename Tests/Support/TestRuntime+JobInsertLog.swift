import PostgresNIO

extension TestRuntime {
    /// Statements that record every row inserted into `notify.jobs`, as inserted, in
    /// `public.job_inserts` (queue, state, locked_by, attempt, fence, and the payload's `key`).
    public static let jobInsertLog: [PostgresQuery] = [
        "CREATE TABLE public.job_inserts (queue text, state text, locked_by text, attempt int, fence bigint, key text)",
        """
        CREATE FUNCTION public.log_job_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO public.job_inserts VALUES
                (NEW.queue, NEW.state, NEW.locked_by, NEW.attempt, NEW.fence, NEW.payload->>'key');
            RETURN NEW;
        END $$
        """,
        """
        CREATE TRIGGER log_job_insert AFTER INSERT ON notify.jobs
        FOR EACH ROW EXECUTE FUNCTION public.log_job_insert()
        """,
    ]

    /// Records every job row inserted from now on (see ``jobInsertLog``).
    public func logJobInserts() async throws {
        for statement in Self.jobInsertLog { try await client.query(statement, logger: logger) }
    }
}
