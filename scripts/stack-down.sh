#!/usr/bin/env bash
# Stops what scripts/stack-up.sh started (recorded in .local/stack-started); leaves data in place.
set -uo pipefail
cd "$(dirname "$0")/.."
STATE=.local/stack-started
[ -f "$STATE" ] || { echo "[stack] nothing recorded as started"; exit 0; }
if grep -qx rabbitmq "$STATE"; then
  echo "[stack] stopping RabbitMQ"; rabbitmqctl -q stop >/dev/null 2>&1 || true
fi
if grep -qx postgresql "$STATE"; then
  v=$(ls /usr/lib/postgresql | sort -n | tail -1)
  echo "[stack] stopping PostgreSQL $v"; pg_ctlcluster "$v" main stop >/dev/null 2>&1 || true
fi
rm -f "$STATE"
