#!/usr/bin/env bash
# Measures how fast the leader's tick deletes records past a tenant's retention and erases content
# that is due, through the real `notify work` leader, and prints JSON.
#
#   DATABASE_URL=postgres://user@host:port/postgres infra/bench/tick-cleanup.sh [N] [NOTIFY_BINARY]
#
# DATABASE_URL names a server where this script may create and drop the database
# `notify_tick_bench`. N (default 100000) single-recipient notifications (one delivered SMS and four
# events each) are made 31 days old for a 30-day retention, beside N recent ones; the script starts
# `notify work --functions noop` (it leads, so it ticks every second) and times the deletion of the
# old ones. Then it makes the N recent ones due for erasure and times that. Build the binary with
# `swift build -c release --product notify` first.
set -euo pipefail
N=${1:-100000}
NOTIFY=${2:-.build/release/notify}
: "${DATABASE_URL:?set DATABASE_URL to a server where notify_tick_bench may be created}"
BASE=${DATABASE_URL%/*}
DB="$BASE/notify_tick_bench"
psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS notify_tick_bench" -c "CREATE DATABASE notify_tick_bench"
DATABASE_URL="$DB" "$NOTIFY" migrate > /dev/null 2>&1
psql "$DB" -q <<SQL
INSERT INTO notify.tenants (id, name, inbox_secret, retention_days) VALUES ('acme', 'Acme', '\x00', 30);
INSERT INTO notify.users (tenant_id, external_id) VALUES ('acme', 'ada');
INSERT INTO notify.notifications (tenant_id, category_key, recipients, data, status, recipient_count, created_at)
SELECT 'acme', 'otp', '{"users":["ada"]}', '{"code":"123456"}', 'done', 1,
       CASE WHEN g <= $N THEN now() - interval '31 days' + g * interval '1 millisecond' ELSE now() END
FROM generate_series(1, 2 * $N) g;
INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel, status, content, provider, provider_message_id)
SELECT n.tenant_id, n.id, u.id, 'sms', 'delivered', '{"text":"Your code is 123456"}', 'twilio', 'SM' || md5(n.id::text)
FROM notify.notifications n JOIN notify.users u ON u.tenant_id = n.tenant_id;
INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind)
SELECT d.tenant_id, d.notification_id, d.id, k.kind FROM notify.deliveries d
CROSS JOIN (VALUES ('accepted'), ('expanded'), ('sent'), ('delivered')) AS k(kind);
VACUUM ANALYZE notify.notifications; VACUUM ANALYZE notify.deliveries; VACUUM ANALYZE notify.events;
SQL
# Seconds until the query's count reaches the target, polled every 0.2 s.
until_count() {
  local query=$1 target=$2 start now
  start=$(date +%s.%N)
  while [ "$(psql "$DB" -Atc "$query")" -ne "$target" ]; do sleep 0.2; done
  now=$(date +%s.%N)
  echo "$now - $start" | bc
}
DATABASE_URL="$DB" "$NOTIFY" work --functions noop > /tmp/notify-tick-bench.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT
RETENTION=$(until_count "SELECT count(*) FROM notify.notifications" "$N")
psql "$DB" -qc "UPDATE notify.notifications SET erase_content_at = now() - interval '1 second'"
ERASURE=$(until_count "SELECT count(*) FROM notify.notifications WHERE content_erased_at IS NOT NULL" "$N")
kill -INT $WORKER; wait $WORKER || true
LEFT=$(psql "$DB" -Atc "SELECT (SELECT count(*) FROM notify.deliveries WHERE content IS NOT NULL) || ',' || (SELECT count(*) FROM notify.events WHERE kind <> 'content_erased')")
psql "$DATABASE_URL" -qc "DROP DATABASE notify_tick_bench"
python3 - "$N" "$RETENTION" "$ERASURE" "$LEFT" <<'PY'
import json, sys
n, retention, erasure, left = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4].split(",")
print(json.dumps({
    "notifications": n,
    "retention": {"seconds": round(retention, 2), "per_second": round(n / retention)},
    "erasure": {"seconds": round(erasure, 2), "per_second": round(n / erasure)},
    "after": {"deliveries_with_content": int(left[0]), "events_left": int(left[1]),
              "events_expected": 4 * n},
}, indent=2))
PY
