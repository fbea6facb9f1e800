#!/usr/bin/env bash
# Ingest end-to-end throughput with the audit chain follower off and on, alternated in one run (the Ingest benchmark's
# e2e configuration, the service as its own process; the follower is switched through Audit__Enabled). Writes
# bench/Audit/results/ingest-ratio.md; the per-run outputs go to bench/Audit/results/raw/ (not committed).
#   EVENTS=20000 ROUNDS=2 bash bench/Audit/ingest-ratio.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
EVENTS=${EVENTS:-20000}
ROUNDS=${ROUNDS:-2}
raw=bench/Audit/results/raw
mkdir -p "$raw"
dotnet build bench/Ingest.Benchmarks -c Release -nologo -v q >/dev/null
declare -A sum=([off]=0 [on]=0)
rows=""
for r in $(seq 1 "$ROUNDS"); do
  for mode in off on; do
    enabled=false; [ "$mode" = on ] && enabled=true
    line=$(BENCH_INGEST__Audit__Enabled=$enabled dotnet run -c Release --no-build --project bench/Ingest.Benchmarks -- \
      --events "$EVENTS" --batches 100 --warmup "$EVENTS" --out "$raw/ingest-$mode-$r.md" | grep "e2e batch 100")
    rate=$(sed -E 's/.*: ([0-9,]+) events\/s.*/\1/' <<<"$line" | tr -d ,)
    echo "round $r chain $mode: $rate events/s"
    rows+="| $r | $mode | $rate |"$'\n'
    sum[$mode]=$(( ${sum[$mode]} + rate ))
  done
done
ratio=$(python3 -c "print(f'{${sum[on]} / ${sum[off]}:.2f}')")
cat > bench/Audit/results/ingest-ratio.md <<MD
# Ingest with the audit chain against without it (same run)

$EVENTS inference events per run in messages of 100 items, after a warm-up of $EVENTS, the Ingest service as its own
process (bench/Ingest.Benchmarks e2e), chain follower off (\`Audit__Enabled=false\`) and on, alternated; load average
$(cut -d' ' -f1-3 /proc/loadavg) at the end on $(nproc) cores shared with other work.
Command: \`EVENTS=$EVENTS ROUNDS=$ROUNDS bash bench/Audit/ingest-ratio.sh\`.

| round | chain | events/s |
|---|---|---|
${rows}
**Ratio with chain / without: $ratio** (sum of rounds; bar ≥ 0.9).
MD
cat bench/Audit/results/ingest-ratio.md
