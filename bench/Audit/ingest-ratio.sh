#!/usr/bin/env bash
# Ingest end-to-end throughput with the audit chain follower off and on, in one run (the Ingest benchmark's e2e
# configuration, the service as its own process; the follower is switched through Audit__Enabled). The order alternates
# per round (off-on, on-off, ...) so drifting load does not favour one side. Reports per-round ratios, their median, the
# ratio of summed rates, and the CPU the Ingest process and PostgreSQL spent per event (the follower runs inside the
# Ingest process and its queries in PostgreSQL, so that is where its cost shows). Writes bench/Audit/results/ingest-ratio.md;
# the per-run outputs go to bench/Audit/results/raw/ (not committed).
#   EVENTS=20000 ROUNDS=5 bash bench/Audit/ingest-ratio.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
EVENTS=${EVENTS:-20000}
ROUNDS=${ROUNDS:-5}
raw=bench/Audit/results/raw
mkdir -p "$raw"
dotnet build bench/Ingest.Benchmarks -c Release -nologo -v q >/dev/null
runs=()
for r in $(seq 1 "$ROUNDS"); do
  order="off on"; [ $((r % 2)) -eq 0 ] && order="on off"
  for mode in $order; do
    enabled=false; [ "$mode" = on ] && enabled=true
    load=$(cut -d' ' -f1 /proc/loadavg)
    BENCH_INGEST__Audit__Enabled=$enabled dotnet run -c Release --no-build --project bench/Ingest.Benchmarks -- \
      --events "$EVENTS" --batches 100 --warmup "$EVENTS" --out "$raw/ingest-$mode-$r.md" > "$raw/ingest-$mode-$r.log"
    # | 100 | warm-up | events/s | ratio | CPU/event | p50 | p95 | p99 | max | publish | per txn | txn | "Ingest / RabbitMQ / PostgreSQL / busy of wall" | stored |
    row=$(grep -E '^\| 100 \|' "$raw/ingest-$mode-$r.md")
    rate=$(awk -F'|' '{gsub(/[ ,]/, "", $4); print $4}' <<<"$row")
    cpu=$(awk -F'|' '{split($14, c, "/"); printf "%.0f", (c[1] + c[3]) / '"$EVENTS"' * 1e6}' <<<"$row")
    echo "round $r chain $mode: $rate events/s, Ingest + PostgreSQL CPU $cpu µs/event (load $load)"
    runs+=("$r $mode $rate $cpu $load")
  done
done
summary=$(printf '%s\n' "${runs[@]}" | python3 -c '
import sys, statistics
rows = [l.split() for l in sys.stdin if l.strip()]
by = {}
for r, mode, rate, cpu, load in rows:
    by.setdefault(int(r), {})[mode] = (float(rate), float(cpu), load)
ratios = []
for r in sorted(by):
    off, on = by[r]["off"], by[r]["on"]
    ratios.append(on[0] / off[0])
    print("| %d | %s | %s | %.2f | %.0f | %.0f | %s / %s |" % (r, format(off[0], ",.0f"), format(on[0], ",.0f"), on[0] / off[0], off[1], on[1], off[2], on[2]))
off = sum(by[r]["off"][0] for r in by)
on = sum(by[r]["on"][0] for r in by)
cpu_off = statistics.median(by[r]["off"][1] for r in by)
cpu_on = statistics.median(by[r]["on"][1] for r in by)
print()
print("**Median of per-round ratios: %.2f**; ratio of summed rates %.2f (bar >= 0.9). Median Ingest + PostgreSQL CPU per event: %.0f µs without the chain, %.0f µs with it (%.2f x)."
      % (statistics.median(ratios), on / off, cpu_off, cpu_on, cpu_off / cpu_on))
')
cat > bench/Audit/results/ingest-ratio.md <<MD
# Ingest with the audit chain against without it (same run)

$EVENTS inference events per run in messages of 100 items, after a warm-up of $EVENTS, the Ingest service as its own
process (bench/Ingest.Benchmarks e2e), chain follower off (\`Audit__Enabled=false\`) and on, the order alternating per
round; load average $(cut -d' ' -f1-3 /proc/loadavg) at the end on $(nproc) cores shared with other work.
Command: \`EVENTS=$EVENTS ROUNDS=$ROUNDS bash bench/Audit/ingest-ratio.sh\`.

| round | events/s off | events/s on | on / off | CPU µs/event off | CPU µs/event on | load (1 min) at start off / on |
|---|---|---|---|---|---|---|
$summary
MD
cat bench/Audit/results/ingest-ratio.md
