#!/usr/bin/env bash
# End-to-end detection benchmark (issue 6, detection table): for each simulator scenario and seed, a clean slate
# (schemas ingest, drift, alerts dropped; RabbitMQ vhost "monitoring" recreated), the Ingest and the
# DriftDetector started from a snapshot of their Release output folders exactly as scripts/demo.sh starts them (no
# AlertRouter: it does not affect detection), the simulator run over HTTP with a manifest, a wait until the
# detector has applied the whole event store, then the findings scored against the manifest by
# bench/EndToEnd/score.py: detection delay (simulated hours and affected-model inferences after the change
# start), min / median / max over the seeds, and false alarms per simulated 30 days.
#
# Usage: bash bench/EndToEnd/run_scenarios.sh [scenario ...]
#   default scenarios: null firmware-update new-site paediatric-mix lateral-views subgroup-decay
#                      prevalence-shift gradual-drift
#   E2E_SEEDS ("42 7 1234"; E2E_SEED=N runs one seed) E2E_DAYS (21) E2E_CHANGE_DAY (10) E2E_VOLUME (1)
#   E2E_MODELS (cxr-triage: the only model with a policy; the simulator draws every (site, model, hour) from its
#   own stream, so the CXR events are the same bytes as in a run with all models) E2E_MAGNITUDE (1)
#   E2E_REFERENCE_COUNT: run with a copy of deploy/policies/cxr-triage.yaml whose reference.count is this (a
#   higher-volume network needs a proportionally larger first-events reference to cover the same days)
#   E2E_SIM_ARGS: extra simulator options (e.g. "--subgroup sex=F" for subgroup-decay)
#   E2E_BUILD=1 to build Release first; E2E_LABEL: suffix of the raw folder (e.g. "-60d" for a longer null run
#   kept beside the default one). E2E_SCORE=0 skips scoring (run in pieces, score once at the end).
# Writes bench/EndToEnd/results/raw/<scenario><label>/seed-<N>/ (manifest, findings, deployments, inference
# index, timings) and bench/EndToEnd/results/latest.{md,json} (every scenario folder present under raw/).
# Stops what it started on exit (scripts/demo-down.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
DEMO=$ROOT/.local/demo            # same pids file as the demo, so scripts/demo-down.sh stops us too
OUT=$ROOT/bench/EndToEnd/results
DAYS=${E2E_DAYS:-21}
CHANGE_DAY=${E2E_CHANGE_DAY:-10}
SEEDS=(${E2E_SEEDS:-${E2E_SEED:-42 7 1234}})
VOLUME=${E2E_VOLUME:-1}
MODELS=${E2E_MODELS:-cxr-triage}
MAGNITUDE=${E2E_MAGNITUDE:-1}
BIN=$ROOT/.local/e2e-bin         # a private copy of the binaries: another build of the tree cannot swap them mid-run
PG="postgresql://monitoring:monitoring@127.0.0.1:5432/monitoring"
AUD=(-H "X-Api-Key: dev-auditor-key")
SIM=$BIN/simulator/Monitoring.Simulator.dll
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if [ $# -gt 0 ]; then SCENARIOS=("$@"); else
  SCENARIOS=(null firmware-update new-site paediatric-mix lateral-views subgroup-decay prevalence-shift gradual-drift)
fi
log() { printf '[e2e %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

bash scripts/stack-up.sh >/dev/null
if [ "${E2E_BUILD:-0}" = 1 ]; then
  dotnet build Monitoring.sln -c Release -nologo -v q 2>&1 | grep -E " error |rror\(s\)" || true
fi
for f in services/Ingest/bin/Release/net10.0/Monitoring.Ingest.dll \
         services/DriftDetector/bin/Release/net10.0/Monitoring.DriftDetector.dll \
         tools/Simulator/bin/Release/net10.0/Monitoring.Simulator.dll; do
  test -f "$f" || { echo "missing $f: build Release first (E2E_BUILD=1)"; exit 1; }
done
rm -rf "$BIN"; mkdir -p "$BIN"
cp -r services/Ingest/bin/Release/net10.0 "$BIN/ingest"
cp -r services/DriftDetector/bin/Release/net10.0 "$BIN/drift-detector"
cp -r tools/Simulator/bin/Release/net10.0 "$BIN/simulator"
# The policy is snapshotted too (the detector records a new policy version when its file changes).
POLICIES=$BIN/policies; mkdir -p "$POLICIES"
cp deploy/policies/cxr-triage.yaml "$POLICIES/"
if [ -n "${E2E_REFERENCE_COUNT:-}" ]; then
  # the first "  count:" is reference.count (reference precedes window in the file)
  sed -i -E "0,/^  count: [0-9]+/s//  count: $E2E_REFERENCE_COUNT/" "$POLICIES/cxr-triage.yaml"
  grep -q "^  count: $E2E_REFERENCE_COUNT\b" "$POLICIES/cxr-triage.yaml" || { echo "could not set reference.count"; exit 1; }
fi
known=$(dotnet "$SIM" --list)
for s in "${SCENARIOS[@]}"; do
  grep -qw -- "$s" <<<"$known" || { echo "unknown scenario '$s'; the simulator knows:"; echo "$known"; exit 1; }
done

mkdir -p "$DEMO" "$OUT/raw"
trap 'bash scripts/demo-down.sh --quiet || true' EXIT
export ASPNETCORE_ENVIRONMENT=Development

start() { # name, working directory, command...
  local name=$1 dir=$2; shift 2
  ( cd "$dir" && exec "$@" >"$DEMO/$name.log" 2>&1 ) &
  echo "$! $name" >>"$DEMO/pids"
}
wait_ready() { # name, url
  for _ in $(seq 1 180); do
    curl -fsS "$2/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "$1 did not become ready; last log lines:"; tail -20 "$DEMO/$1.log"; exit 1
}
clean_slate() { # the demo's reset, limited to what belongs to the demo
  bash scripts/demo-down.sh --quiet || true
  rm -f "$DEMO"/pids
  psql -q "$PG" -c 'DROP SCHEMA IF EXISTS ingest CASCADE; DROP SCHEMA IF EXISTS drift CASCADE; DROP SCHEMA IF EXISTS alerts CASCADE;' 2>/dev/null
  rabbitmqctl -q delete_vhost monitoring >/dev/null 2>&1 || true
  bash scripts/stack-up.sh >/dev/null
}
start_services() {
  start ingest "$BIN/ingest" env ASPNETCORE_URLS=http://127.0.0.1:5080 \
    dotnet Monitoring.Ingest.dll
  wait_ready ingest http://127.0.0.1:5080
  start drift-detector "$BIN/drift-detector" env ASPNETCORE_URLS=http://127.0.0.1:5081 \
    DriftDetector__PolicyPaths__0="$POLICIES" dotnet Monitoring.DriftDetector.dll
  wait_ready drift-detector http://127.0.0.1:5081
}
store_count() { psql -tAc "select count(*) from ingest.mt_events" "$PG" 2>/dev/null || echo 0; }
head_seq() { psql -tAc "select coalesce(max(seq_id),0) from ingest.mt_events" "$PG" 2>/dev/null || echo 0; }
detector_seq() { # the detector's checkpoint in the store (written in the same transaction as its findings);
  # /v1/deployments' lastSequence is the last event applied to the deployment and stays below the head when the
  # store's last events belong to models without a policy, so it is only a fallback.
  local p a
  p=$(psql -tAc "select coalesce(max(last_seq_id),0) from ingest.mt_event_progression where name like 'DriftDetector%'" "$PG" 2>/dev/null || echo 0)
  a=$(curl -fsS "${AUD[@]}" http://127.0.0.1:5081/v1/deployments 2>/dev/null |
    /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); d=d if isinstance(d,list) else d.get("items",[]); print(max([x.get("lastSequence",0) for x in d] or [0]))' 2>/dev/null || echo 0)
  echo $(( ${p:-0} > ${a:-0} ? ${p:-0} : ${a:-0} ))
}

for s in "${SCENARIOS[@]}"; do
for SEED in "${SEEDS[@]}"; do
  R=$OUT/raw/$s${E2E_LABEL:-}/seed-$SEED; rm -rf "$R"; mkdir -p "$R"
  log "$s seed $SEED: clean slate"
  clean_slate
  start_services
  log "$s seed $SEED: simulator ($DAYS days, change on day $CHANGE_DAY, volume $VOLUME, models $MODELS, magnitude $MAGNITUDE ${E2E_SIM_ARGS:-})"
  t0=$(date +%s.%N)
  dotnet "$SIM" --scenario "$s" --days "$DAYS" --change-day "$CHANGE_DAY" --seed "$SEED" --volume "$VOLUME" \
    --models "$MODELS" --magnitude "$MAGNITUDE" ${E2E_SIM_ARGS:-} --sink http \
    --url http://127.0.0.1:5080 --api-key dev-producer-key --manifest "$R/manifest.json" >"$R/simulator.log" 2>&1 ||
    { echo "simulator failed:"; tail -20 "$R/simulator.log"; exit 1; }
  t1=$(date +%s.%N)
  # The Ingest answers 202 before its batch writer has appended: first wait until the store holds every event
  # the simulator sent (manifest realised counts) or stops growing for 60 s, then until the detector has
  # applied the store's head (or makes no progress for 120 s; recorded, and scored as it is).
  sent=$(/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["realised"]; print(r["inferences"]+r["groundTruth"]+r["readerFeedback"])' "$R/manifest.json")
  stored=0; last=-1; still=0
  for _ in $(seq 1 600); do
    stored=$(store_count)
    [ "${stored:-0}" -ge "$sent" ] && break
    if [ "$stored" = "$last" ]; then still=$((still+1)); else still=0; last=$stored; fi
    [ $still -ge 60 ] && break
    sleep 1
  done
  t15=$(date +%s.%N)
  head=$(head_seq); caught=0; last=-1; still=0
  for _ in $(seq 1 600); do
    d=$(detector_seq)
    if [ "${d:-0}" -ge "$head" ]; then caught=1; break; fi
    if [ "$d" = "$last" ]; then still=$((still+1)); else still=0; last=$d; fi
    [ $still -ge 120 ] && break
    sleep 1
  done
  t2=$(date +%s.%N)
  log "$s seed $SEED: sent $sent events, store holds $stored (head $head), detector at $(detector_seq) (caught up: $caught)"
  curl -fsS "${AUD[@]}" http://127.0.0.1:5081/v1/findings >"$R/findings.json"
  curl -fsS "${AUD[@]}" http://127.0.0.1:5081/v1/deployments >"$R/deployments.json"
  curl -fsS "${AUD[@]}" "http://127.0.0.1:5081/v1/deployments/cxr-triage@2.3.1/state" >"$R/state.json" || true
  # Inference index (no patient data): sequence, event time, model, site and the subgroup attributes the
  # expected findings can name, so the scorer counts affected-model inferences between change and detection.
  psql -tA -F $'\t' "$PG" -c "select seq_id, data->>'OccurredAt', data->'Model'->>'Id', data->>'Site',
      data->'Study'->>'Manufacturer', data->'Study'->>'ViewPosition', coalesce(data->'Patient'->>'AgeBand', data->'Patient'->>'Age'),
      data->'Patient'->>'Sex', data->'Patient'->>'Ethnicity' from ingest.mt_events where type = 'inference_recorded' order by seq_id" >"$R/inferences.tsv"
  gzip -f "$R/inferences.tsv" "$R/state.json" 2>/dev/null || gzip -f "$R/inferences.tsv"
  /usr/bin/python3 - "$R/run.json" "$t0" "$t1" "$t15" "$t2" "$head" "$caught" "$sent" "$stored" "$SEED" "$VOLUME" "$MODELS" "$MAGNITUDE" \
    "$(grep -E '^  count: ' "$POLICIES/cxr-triage.yaml" | head -1 | awk '{print $2}')" <<'PY'
import json, sys
p, t0, t1, t15, t2, head, caught, sent, stored, seed, volume, models, magnitude, refcount = sys.argv[1:]
json.dump({"simulatorSeconds": round(float(t1) - float(t0), 1), "storeSettleSeconds": round(float(t15) - float(t1), 1),
           "catchUpSeconds": round(float(t2) - float(t15), 1), "wallSeconds": round(float(t2) - float(t0), 1),
           "eventsSent": int(sent), "eventsStored": int(stored), "storeHead": int(head), "detectorCaughtUp": caught == "1",
           "seed": int(seed), "volume": float(volume), "models": models, "magnitude": float(magnitude),
           "referenceCount": int(refcount)}, open(p, "w"), indent=1)
PY
  cp "$DEMO/drift-detector.log" "$R/drift-detector.log" 2>/dev/null || true
  gzip -f "$R/drift-detector.log" 2>/dev/null || true
done
done
bash scripts/demo-down.sh --quiet || true
if [ "${E2E_SCORE:-1}" = 1 ]; then
  /usr/bin/python3 bench/EndToEnd/score.py "$OUT" >/dev/null
  log "done: $OUT/latest.md"
fi
