#!/usr/bin/env bash
# Production start: gunicorn (deploy/gunicorn.conf.py), Celery workers per queue and one beat,
# all from the same environment variables. SERVE_ROLES picks what runs on this host (a comma list
# of web, workers, beat; all three by default), so a fleet runs web on some hosts, workers on
# others, and beat on exactly one. SIGTERM or Ctrl-C stops everything gracefully.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${PORTAL_BIN:-.venv/bin}
ROLES=",${SERVE_ROLES:-web,workers,beat},"
CPUS=$(nproc 2>/dev/null || echo 2)

pids=()
stopping=0
stop() {
  stopping=1
  trap '' INT TERM  # a second Ctrl-C or TERM while stopping changes nothing
  echo "serve: stopping ${#pids[@]} processes" >&2
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  echo "serve: stopped" >&2
  exit 0
}
trap stop INT TERM

worker() {  # worker QUEUES CONCURRENCY NAME
  "$BIN/celery" -A portal worker --queues="$1" --concurrency="$2" --hostname="$3@%h" \
    --loglevel="${LOG_LEVEL:-INFO}" --without-gossip --without-mingle &
  pids+=($!)
}

# Metrics: this host's processes count into one folder, emptied at start; /metrics adds it up.
# A host without web serves them from `manage.py serve_metrics` (METRICS_PORT, 9464).
if [[ "${METRICS_ENABLED:-false}" =~ ^(1|[Tt]rue|[Yy]es|[Oo]n)$ ]]; then
  export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-${PORTAL_VAR_DIR:-var}/metrics}
  rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
  if [[ $ROLES != *,web,* ]]; then
    "$BIN/python" manage.py serve_metrics &
    pids+=($!)
  fi
fi
if [[ $ROLES == *,web,* ]]; then
  "$BIN/gunicorn" -c deploy/gunicorn.conf.py portal.wsgi:application &
  pids+=($!)
fi
if [[ $ROLES == *,workers,* ]]; then
  # Each kind of work has its own workers: a burst of uploads never delays the rail or a purge.
  worker rail "${WORKER_RAIL_CONCURRENCY:-1}" rail
  worker outbox "${WORKER_OUTBOX_CONCURRENCY:-2}" outbox
  worker renditions "${WORKER_RENDITIONS_CONCURRENCY:-$CPUS}" renditions
  worker default,maintenance "${WORKER_DEFAULT_CONCURRENCY:-2}" default
  # The change stream's retries and queued purges: needs only the database, so it works on
  # while Redis (the broker) is down and clears the backlog the moment a fault ends.
  "$BIN/python" manage.py outbox_relay &
  pids+=($!)
fi
if [[ $ROLES == *,beat,* ]]; then
  "$BIN/celery" -A portal beat --loglevel="${LOG_LEVEL:-INFO}" --schedule="${PORTAL_VAR_DIR:-var}/celerybeat-schedule" &
  pids+=($!)
fi
if [ ${#pids[@]} -eq 0 ]; then
  echo "serve: SERVE_ROLES=${SERVE_ROLES:-} names none of web, workers, beat" >&2
  exit 2
fi
echo "serve: started ${#pids[@]} processes (roles ${ROLES//,/ })" >&2

# One process ending on its own is a failure: stop the rest so the supervisor restarts the host's set.
set +e
wait -n "${pids[@]}"
status=$?
if [ $stopping -eq 0 ]; then
  echo "serve: a process exited ($status); stopping the others" >&2
  trap - INT TERM
  kill -TERM "${pids[@]}" 2>/dev/null
  wait 2>/dev/null
  [ "$status" -eq 0 ] && status=1
  exit "$status"
fi
