#!/usr/bin/env bash
# The one-command demo: PostgreSQL + RabbitMQ, the three services, local stand-ins for the on-call tools
# (a webhook listener and an SMTP server), then a simulated hospital network with an injected change.
# Prints the findings with their evidence, the alert, its escalation and the notifications, and leaves
# everything running. Stop with: bash scripts/demo-down.sh
#
# The demo starts from a clean slate: it drops the schemas ingest, drift and alerts and recreates the
# RabbitMQ virtual host "monitoring" on the local stack. Options (environment):
#   DEMO_SCENARIO   simulator scenario (default firmware-update; `dotnet run --project tools/Simulator -- --list`)
#   DEMO_DAYS       simulated days (default 21; the change starts on day 10)
#   DEMO_SEED       simulator seed (default 42)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DEMO=$ROOT/.local/demo
SCENARIO=${DEMO_SCENARIO:-firmware-update}
DAYS=${DEMO_DAYS:-21}
SEED=${DEMO_SEED:-42}
PG="postgresql://monitoring:monitoring@127.0.0.1:5432/monitoring"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
info() { printf '   %s\n' "$*"; }

say "1/6 local stack (PostgreSQL, RabbitMQ)"
bash scripts/stack-up.sh mail   # and aiosmtpd, the demo's stand-in mail server

say "2/6 build"
dotnet build Monitoring.sln -c Release -nologo -v q 2>&1 | grep -E " error |rror\(s\)" || true
for p in Ingest DriftDetector AlertRouter; do
  test -f "services/$p/bin/Release/net10.0/Monitoring.$p.dll" || { echo "build failed: $p"; exit 1; }
done

say "3/6 clean slate and start"
bash scripts/demo-down.sh --quiet || true
mkdir -p "$DEMO"; rm -f "$DEMO"/*.log "$DEMO"/*.ndjson "$DEMO"/pids "$DEMO"/manifest.json
psql -q "$PG" -c 'DROP SCHEMA IF EXISTS ingest CASCADE; DROP SCHEMA IF EXISTS drift CASCADE; DROP SCHEMA IF EXISTS alerts CASCADE;' 2>/dev/null
rabbitmqctl -q delete_vhost monitoring >/dev/null 2>&1 || true
bash scripts/stack-up.sh >/dev/null

start() { # name, working directory, command...
  local name=$1 dir=$2; shift 2
  ( cd "$dir" && exec "$@" >"$DEMO/$name.log" 2>&1 ) &
  echo "$! $name" >>"$DEMO/pids"
}
start webhook "$ROOT" /usr/bin/python3 tools/demo/webhook_listener.py 9095 "$DEMO/notifications.ndjson"
start smtp "$ROOT" /usr/bin/python3 -m aiosmtpd -n -d -l 127.0.0.1:8025 -c aiosmtpd.handlers.Debugging
export ASPNETCORE_ENVIRONMENT=Development

wait_ready() { # name, url
  for _ in $(seq 1 180); do
    curl -fsS "$2/health/ready" >/dev/null 2>&1 && { info "$1 ready at $2"; return 0; }
    sleep 0.5
  done
  echo "$1 did not become ready; last log lines:"; tail -20 "$DEMO/$1.log"; exit 1
}
# One at a time: the Ingest owns the event store's schema and creates it; the detector reads it.
start ingest services/Ingest/bin/Release/net10.0 env ASPNETCORE_URLS=http://127.0.0.1:5080 \
  dotnet Monitoring.Ingest.dll
wait_ready ingest http://127.0.0.1:5080
start drift-detector services/DriftDetector/bin/Release/net10.0 env ASPNETCORE_URLS=http://127.0.0.1:5081 DriftDetector__PolicyPaths__0="$ROOT/deploy/policies" \
  dotnet Monitoring.DriftDetector.dll
wait_ready drift-detector http://127.0.0.1:5081
start alert-router services/AlertRouter/bin/Release/net10.0 env ASPNETCORE_URLS=http://127.0.0.1:5082 AlertRouter__RoutingFile="$ROOT/deploy/alerting/demo-routing.yaml" \
  AlertRouter__ExternalUrl=http://127.0.0.1:5082 \
  dotnet Monitoring.AlertRouter.dll
wait_ready alert-router http://127.0.0.1:5082

say "4/6 simulated hospital network: scenario '$SCENARIO', $DAYS days, seed $SEED"
dotnet tools/Simulator/bin/Release/net10.0/Monitoring.Simulator.dll \
  --scenario "$SCENARIO" --days "$DAYS" --change-day "${DEMO_CHANGE_DAY:-10}" --seed "$SEED" --sink http --url http://127.0.0.1:5080 \
  --api-key dev-producer-key --manifest "$DEMO/manifest.json" | sed 's/^/   /'
python3 - "$DEMO/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for c in m.get("changes", []):
    print("   injected:", json.dumps(c, ensure_ascii=False)[:300])
PY

say "5/6 what the detector found"
AUD=(-H "X-Api-Key: dev-auditor-key")
for _ in $(seq 1 240); do
  n=$(curl -fsS "${AUD[@]}" "http://127.0.0.1:5081/v1/findings" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d if isinstance(d,list) else d.get("items",d.get("findings",[]))))' 2>/dev/null || echo 0)
  a=$(curl -fsS "${AUD[@]}" "http://127.0.0.1:5082/alerts" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d if isinstance(d,list) else d.get("items",d.get("alerts",[]))))' 2>/dev/null || echo 0)
  [ "${n:-0}" -gt 0 ] && [ "${a:-0}" -gt 0 ] && break
  sleep 1
done
# One root cause per change first (issue 11): the group the AlertRouter pages on, then every finding as evidence.
echo "Changes (root cause first, then its consequences):"
curl -fsS "${AUD[@]}" "http://127.0.0.1:5081/v1/changes" | python3 -c '
import json, sys
for c in json.load(sys.stdin):
    root = ", ".join(k + "=" + v for k, v in sorted(c["rootSubgroup"].items())) or "everyone"
    print("  ROOT CAUSE [" + str(c["severity"]) + "] " + root + ": " + c["summary"])
    print("    estimated start " + str(c.get("estimatedStart")) + ", detected " + c["detectedAt"] + ", "
          + str(len(c["members"]) - 1) + " consequence(s), status " + c["status"])
' || echo "  (no change resource answered)"
curl -fsS "${AUD[@]}" "http://127.0.0.1:5081/v1/findings" | python3 tools/demo/summarize.py findings
say "6/6 alerts, escalation and what the humans were sent"
info "waiting up to 150 s for an escalation (demo routing escalates unacknowledged alerts after 60 s)"
for _ in $(seq 1 150); do
  curl -fsS "${AUD[@]}" "http://127.0.0.1:5082/alerts" | grep -q '"escalationLevel":[2-9]' && break
  sleep 1
done
curl -fsS "${AUD[@]}" "http://127.0.0.1:5082/alerts" | python3 tools/demo/summarize.py alerts
python3 tools/demo/summarize.py notifications "$DEMO/notifications.ndjson" "$DEMO/smtp.log"

cat <<EOF

Where to look (API keys: dev-oncall-key, dev-safety-key, dev-auditor-key, dev-admin-key in header X-Api-Key):
  changes       curl -H 'X-Api-Key: dev-auditor-key' http://127.0.0.1:5081/v1/changes
  findings      curl -H 'X-Api-Key: dev-auditor-key' http://127.0.0.1:5081/v1/findings
  state         curl -H 'X-Api-Key: dev-auditor-key' http://127.0.0.1:5081/v1/deployments
  alerts        curl -H 'X-Api-Key: dev-auditor-key' http://127.0.0.1:5082/alerts
  acknowledge   curl -XPOST -H 'X-Api-Key: dev-oncall-key' -H 'Content-Type: application/json' -d '{"note":"looking"}' http://127.0.0.1:5082/alerts/<id>/acknowledge
  OpenAPI       http://127.0.0.1:5080/openapi/v1.json  http://127.0.0.1:5081/openapi/v1.json  http://127.0.0.1:5082/openapi/v1.json
  metrics       http://127.0.0.1:5080/metrics  http://127.0.0.1:5081/metrics  http://127.0.0.1:5082/metrics  (RabbitMQ: http://127.0.0.1:15692/metrics)
  RabbitMQ UI   http://127.0.0.1:15672 (monitoring / monitoring)
  logs          $DEMO/*.log   notifications: $DEMO/notifications.ndjson   mail: $DEMO/smtp.log
The system keeps running. Stop it with: bash scripts/demo-down.sh
EOF
