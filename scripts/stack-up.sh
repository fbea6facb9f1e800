#!/usr/bin/env bash
# Brings up the local PostgreSQL 15 and RabbitMQ 3.10 from Debian's packages, creates the role, database,
# user and virtual host the services use, and waits until both answer. Idempotent: a second run changes
# nothing and succeeds. Run as root (CI and fresh machines); it records what it started in .local/ so
# scripts/stack-down.sh stops only that.
#   bash scripts/stack-up.sh [mail] [browser] [prometheus]
# The optional words also install, when missing and in the same apt pass, what the demo and the real-component tests
# start besides the stack: aiosmtpd (a real SMTP server), Debian's Chromium, Prometheus (with promtool).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .local
STATE=.local/stack-started

PG_USER=${PG_USER:-monitoring}
PG_PASSWORD=${PG_PASSWORD:-monitoring}
PG_DB=${PG_DB:-monitoring}
RMQ_USER=${RMQ_USER:-monitoring}
RMQ_PASSWORD=${RMQ_PASSWORD:-monitoring}
RMQ_VHOST=${RMQ_VHOST:-monitoring}

log() { printf '[stack] %s\n' "$*"; }
as_postgres() { (cd /tmp && su postgres -s /bin/sh -c "$1"); }

need=()
command -v pg_ctlcluster >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
command -v rabbitmq-server >/dev/null 2>&1 || need+=(rabbitmq-server)
for extra in "$@"; do
  case $extra in
    mail) /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need+=(python3-aiosmtpd) ;;
    browser) [ -x /usr/bin/chromium ] || need+=(chromium) ;;
    prometheus) command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || need+=(prometheus) ;;
    *) log "unknown extra '$extra' (one of: mail browser prometheus)"; exit 2 ;;
  esac
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q "${need[@]}" >/dev/null
fi

# --- PostgreSQL -------------------------------------------------------------------------------
PG_VERSION=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk -v v="$PG_VERSION" '$1==v && $2=="main"' | grep -q .; then
  log "creating PostgreSQL $PG_VERSION cluster"
  pg_createcluster "$PG_VERSION" main >/dev/null
fi
CONF=/etc/postgresql/$PG_VERSION/main/conf.d/monitoring.conf
# An append-heavy event store: fewer forced checkpoints (each one makes the next write of every page a full-page image in
# the WAL; at 1 GB they came every ~3 minutes under 5,000 events/s), no JIT compilation of short OLTP queries, and
# autovacuum looking every 10 s so the statistics of a fast-growing event table keep up (the Ingest sets its table's
# analyze threshold to 2 % growth: IngestStoreShape.PlannerStatisticsSql).
WANT_CONF=$'# written by scripts/stack-up.sh\nlisten_addresses = \'127.0.0.1\'\nmax_connections = 400\nshared_buffers = 512MB\nsynchronous_commit = on\nmax_wal_size = 4GB\ncheckpoint_timeout = 15min\njit = off\nautovacuum_naptime = 10s\n'
if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$(printf %s "$WANT_CONF")" ]; then
  printf '%s' "$WANT_CONF" > "$CONF"
  if pg_lsclusters -h | awk -v v="$PG_VERSION" '$1==v && $2=="main" && $4=="online"' | grep -q .; then
    log "restarting PostgreSQL to apply settings"
    pg_ctlcluster "$PG_VERSION" main restart
  fi
fi
if ! pg_lsclusters -h | awk -v v="$PG_VERSION" '$1==v && $2=="main" && $4=="online"' | grep -q .; then
  log "starting PostgreSQL $PG_VERSION"
  pg_ctlcluster "$PG_VERSION" main start
  grep -qx postgresql "$STATE" 2>/dev/null || echo postgresql >> "$STATE"
fi
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p 5432 || { log "PostgreSQL did not answer"; exit 1; }
as_postgres "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'\"" | grep -q 1 \
  || as_postgres "psql -qc \"CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'\""
as_postgres "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='$PG_DB'\"" | grep -q 1 \
  || as_postgres "psql -qc \"CREATE DATABASE $PG_DB OWNER $PG_USER\""
# The auditor's read-only login (tools/Audit/auditor-role.sql grants it select on the stores; the Audit tests grant it per schema).
as_postgres "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='monitoring_auditor'\"" | grep -q 1 \
  || as_postgres "psql -qc \"CREATE ROLE monitoring_auditor LOGIN NOINHERIT PASSWORD 'monitoring_auditor'; ALTER ROLE monitoring_auditor SET default_transaction_read_only = on\""
log "PostgreSQL $PG_VERSION ready: Host=127.0.0.1;Port=5432;Database=$PG_DB;Username=$PG_USER"

# --- RabbitMQ ---------------------------------------------------------------------------------
rmq_up() { rabbitmqctl -q status >/dev/null 2>&1; }
if ! rmq_up; then
  log "starting RabbitMQ"
  rabbitmq-plugins --offline enable rabbitmq_management rabbitmq_prometheus >/dev/null
  RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 rabbitmq-server -detached >/dev/null 2>&1 || true
  grep -qx rabbitmq "$STATE" 2>/dev/null || echo rabbitmq >> "$STATE"
  for _ in $(seq 1 120); do rmq_up && break; sleep 0.5; done
  rmq_up || { log "RabbitMQ did not answer"; exit 1; }
fi
rabbitmqctl -q await_startup >/dev/null
rabbitmqctl -q list_vhosts | grep -qx "$RMQ_VHOST" || rabbitmqctl -q add_vhost "$RMQ_VHOST" >/dev/null
if ! rabbitmqctl -q list_users | awk '{print $1}' | grep -qx "$RMQ_USER"; then
  rabbitmqctl -q add_user "$RMQ_USER" "$RMQ_PASSWORD" >/dev/null
  rabbitmqctl -q set_user_tags "$RMQ_USER" administrator >/dev/null
fi
rabbitmqctl -q set_permissions -p "$RMQ_VHOST" "$RMQ_USER" '.*' '.*' '.*' >/dev/null
for _ in $(seq 1 60); do
  (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null && break
  sleep 0.5
done
(exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null || { log "RabbitMQ AMQP port did not open"; exit 1; }
for _ in $(seq 1 60); do
  curl -fsS -u "$RMQ_USER:$RMQ_PASSWORD" http://127.0.0.1:15672/api/overview >/dev/null 2>&1 && break
  sleep 0.5
done
log "RabbitMQ $(rabbitmqctl -q version 2>/dev/null || echo '') ready: amqp://$RMQ_USER@127.0.0.1:5672/$RMQ_VHOST, management http://127.0.0.1:15672"
