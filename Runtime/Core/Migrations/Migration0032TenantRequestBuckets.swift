extension Migration {
    /// A tenant's request limit shared by every API process: `tenant_request_buckets` is a token
    /// bucket per tenant, refilled at its `requests_per_second` up to twice that, from which each
    /// API process takes an allowance at a time (`notify.take_tenant_request_tokens`, one locked
    /// step, as `take_send_tokens` does for provider accounts).
    static let v0032TenantRequestBuckets = Migration(
        version: 32, name: "tenant request limits shared by every API process",
        sql: #"""
            CREATE TABLE notify.tenant_request_buckets (
                tenant_id     text PRIMARY KEY REFERENCES notify.tenants ON DELETE CASCADE,
                tokens        double precision NOT NULL,
                refreshed_at  timestamptz NOT NULL DEFAULT clock_timestamp()
            ) WITH (fillfactor = 50);

            -- Takes up to p_wanted tokens from a tenant's bucket in one locked step and says how many
            -- were granted and how many remain.
            CREATE FUNCTION notify.take_tenant_request_tokens(
                p_tenant text, p_wanted integer, p_rate double precision, p_burst integer,
                OUT granted integer, OUT remaining double precision
            ) LANGUAGE plpgsql AS $$
            DECLARE
                v_tokens double precision;
            BEGIN
                INSERT INTO notify.tenant_request_buckets (tenant_id, tokens, refreshed_at)
                VALUES (p_tenant, p_burst, clock_timestamp())
                ON CONFLICT (tenant_id) DO UPDATE SET
                    tokens = least(p_burst, notify.tenant_request_buckets.tokens
                                   + extract(epoch FROM clock_timestamp()
                                                        - notify.tenant_request_buckets.refreshed_at) * p_rate),
                    refreshed_at = clock_timestamp()
                RETURNING tokens INTO v_tokens;
                granted := greatest(0, least(floor(v_tokens)::integer, p_wanted));
                remaining := v_tokens - granted;
                UPDATE notify.tenant_request_buckets SET tokens = remaining WHERE tenant_id = p_tenant;
            END
            $$;
            """#)
}
