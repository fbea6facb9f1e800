#!/usr/bin/env bash
# Where an Ingest event's CPU goes with the audit chain off and on (a diagnostic beside ingest-ratio.sh, not a bar figure):
# runs the Ingest benchmark's e2e configuration once per mode and, in a window of its steady state (from T1 seconds after
# the start, DT seconds long: inside the warm-up and measured phases of EVENTS each), samples /proc for the CPU of
#   - the follower's PostgreSQL sessions (application_name audit-chain-*, set by AddAuditChain),
#   - every other PostgreSQL process (the writers' sessions, WAL writer, checkpointer, autovacuum),
#   - the Ingest process (its follower included when on),
# and divides by the events inserted into mt_events in the same window. Writes bench/Audit/results/follower-share.md.
#   EVENTS=200000 ROUNDS=2 T1=25 DT=12 bash bench/Audit/follower-share.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
EVENTS=${EVENTS:-200000}
ROUNDS=${ROUNDS:-2}
T1=${T1:-25}
DT=${DT:-12}
export PGPASSWORD=${PGPASSWORD:-monitoring}
psql_=(psql -h 127.0.0.1 -U monitoring -d monitoring -X -qAt)
raw=bench/Audit/results/raw
mkdir -p "$raw"
dotnet build bench/Ingest.Benchmarks -c Release -nologo -v q >/dev/null

ticks() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }; s=${s##*) }; set -- $s; echo $(( ${12} + ${13} )); }

sample() {
  local events follower=0 others=0 ingest=0 pids p
  events=$("${psql_[@]}" -c "select coalesce(sum(n_tup_ins), 0) from pg_stat_user_tables where relname = 'mt_events'")
  pids=" $("${psql_[@]}" -c "select string_agg(pid::text, ' ') from pg_stat_activity where application_name like 'audit-chain-%'") "
  for p in $(pgrep -x postgres); do
    if [[ "$pids" == *" $p "* ]]; then follower=$((follower + $(ticks "$p"))); else others=$((others + $(ticks "$p"))); fi
  done
  p=$(pgrep -f "Monitoring.Ingest.dll" | head -1 || true)
  [ -n "$p" ] && ingest=$(ticks "$p")
  echo "$events $follower $others $ingest"
}

rows=()
for r in $(seq 1 "$ROUNDS"); do
  for mode in off on; do
    enabled=false; [ "$mode" = on ] && enabled=true
    BENCH_INGEST__Audit__Enabled=$enabled dotnet run -c Release --no-build --project bench/Ingest.Benchmarks -- \
      --events "$EVENTS" --batches 100 --warmup "$EVENTS" --out "$raw/share-$mode-$r.md" > "$raw/share-$mode-$r.log" 2>&1 &
    bench=$!
    sleep "$T1"; a=$(sample); sleep "$DT"; b=$(sample)
    wait "$bench"
    # ticks are 1/100 s: µs per event = ticks * 10,000 / events
    row=$(python3 -c "
a, b = [int(x) for x in '$a'.split()], [int(x) for x in '$b'.split()]
ev = b[0] - a[0]
d = [(b[i] - a[i]) * 1e4 / max(ev, 1) for i in (1, 2, 3)]
print('| %d | %s | %s | %.1f | %.1f | %.1f | %.1f |' % ($r, '$mode', format(ev, ',d'), d[0], d[1], d[2], sum(d)))
")
    echo "$row"
    rows+=("$row")
  done
done

cat > bench/Audit/results/follower-share.md <<MD
# Where an Ingest event's CPU goes, chain off and on

The Ingest benchmark's e2e configuration ($EVENTS events warm-up, $EVENTS measured, messages of 100 items); CPU sampled
from /proc over a ${DT}-second window starting ${T1} s after the start, per event inserted in that window. Load average at
the end $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores. Command: \`EVENTS=$EVENTS ROUNDS=$ROUNDS T1=$T1 DT=$DT bash bench/Audit/follower-share.sh\`.

| round | chain | events in window | follower's PostgreSQL sessions µs/event | other PostgreSQL µs/event | Ingest process µs/event | sum µs/event |
|---|---|---|---|---|---|---|
$(printf '%s\n' "${rows[@]}")
MD
cat bench/Audit/results/follower-share.md
