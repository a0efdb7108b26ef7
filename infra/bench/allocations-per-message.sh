#!/usr/bin/env bash
# Counts the heap allocations (glibc `malloc` calls) the benchmark's process makes per message sent,
# in the middle of `notify bench pipeline`, and prints JSON. The process holds the API, the worker,
# the provider clients and the provider sandbox, as in the throughput figure.
#
#   infra/bench/allocations-per-message.sh [sms|email|push] [NOTIFY_BINARY] [SECONDS]
#
# Needs root (or perf_event_paranoid -1) and `perf` (Debian: linux-perf). It puts uprobes on glibc's
# `malloc` and on the send ledger's record of an accepted message (once per message, whatever the
# channel), starts a 60,000-notification benchmark, waits 8 s for the pipeline to fill, then counts
# both for SECONDS (default 3). A uprobe costs about a microsecond a call, so the run is slower than
# a real one; the count per message is what this measures. With DATABASE_URL set the benchmark
# uses that server; otherwise its private cluster (whose processes are not counted either way).
# Build the binary with `swift build -c release --product notify` first.
set -euo pipefail
CHANNEL=${1:-sms}
NOTIFY=${2:-.build/release/notify}
SECONDS_COUNTED=${3:-3}
case "$CHANNEL" in sms | email | push) ;; *) echo "the channel must be sms, email or push (got \"$CHANNEL\")" >&2; exit 64 ;; esac
[[ "$SECONDS_COUNTED" =~ ^[1-9][0-9]*$ ]] || { echo "SECONDS must be a whole number of seconds, 1 or more (got \"$SECONDS_COUNTED\")" >&2; exit 64; }
[ -x "$NOTIFY" ] || { echo "no notify binary at $NOTIFY: build it with swift build -c release --product notify, or pass its path" >&2; exit 64; }
NOTIFY=$(realpath "$NOTIFY")
command -v perf > /dev/null || { echo "this needs perf (Debian: apt-get install -y linux-perf)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "this needs root, to put uprobes on malloc and on the notify binary" >&2; exit 1; }
# awk reads to the end (no early exit), so that the writer of the pipe never dies of SIGPIPE.
LIBC=$(ldconfig -p | awk '/libc\.so\.6 .*x86-64/ && !found {print $NF; found = 1}')
ACCEPTED=$(nm "$NOTIFY" | awk '/SendLedgerV8accepted_9candidate9messageIDys5Int64V_AA14RouteCandidateVSStF$/ && !found {print $1; found = 1}')
[ -n "$ACCEPTED" ] || { echo "no send ledger symbol in $NOTIFY: is it a release build of notify?" >&2; exit 1; }
GROUP=notify_alloc_$$
perf probe -q -x "$LIBC" -a "$GROUP:malloc=malloc" > /dev/null
perf probe -q -x "$NOTIFY" -a "$GROUP:accepted=0x$ACCEPTED" > /dev/null
OUT=$(mktemp -d)
cleanup() { perf probe -q -d "$GROUP:*" > /dev/null 2>&1 || true; rm -rf "$OUT"; }
trap cleanup EXIT
"$NOTIFY" bench pipeline --channel "$CHANNEL" --producer sql-many --notifications 60000 --json \
    > "$OUT/bench.json" 2> "$OUT/bench.err" &
BENCH=$!
sleep 8
perf stat -x, -e "$GROUP:malloc" -e "$GROUP:accepted" -p "$BENCH" -- sleep "$SECONDS_COUNTED" 2> "$OUT/stat"
if ! wait "$BENCH"; then
    echo "the benchmark failed; its output:" >&2
    cat "$OUT/bench.err" >&2
    exit 1
fi
python3 - "$OUT/stat" "$CHANNEL" "$SECONDS_COUNTED" <<'PY'
import json, sys
counts = {}
for line in open(sys.argv[1]):
    fields = line.strip().split(",")
    if len(fields) > 2 and ":" in fields[2]:
        counts[fields[2].split(":")[1]] = float(fields[0])
mallocs, messages = counts.get("malloc", 0), counts.get("accepted", 0)
if messages == 0:
    sys.exit("no message was sent while counting: see the benchmark's output")
print(json.dumps({
    "channel": sys.argv[2], "seconds_counted": int(sys.argv[3]), "messages": int(messages),
    "mallocs": int(mallocs), "mallocs_per_message": round(mallocs / messages, 1),
}))
PY
