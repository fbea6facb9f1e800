#!/usr/bin/env bash
# Stops the demo's services and stand-ins started by scripts/demo.sh. PostgreSQL and RabbitMQ keep running
# (scripts/stack-down.sh stops them).
set -uo pipefail
cd "$(dirname "$0")/.."
PIDS=.local/demo/pids
quiet=${1:-}
[ -f "$PIDS" ] || { [ "$quiet" = --quiet ] || echo "[demo] nothing running"; exit 0; }
while read -r pid name; do
  if kill -0 "$pid" 2>/dev/null; then
    [ "$quiet" = --quiet ] || echo "[demo] stopping $name ($pid)"
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
done < "$PIDS"
rm -f "$PIDS"
