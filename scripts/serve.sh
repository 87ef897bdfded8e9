#!/usr/bin/env bash
# Production start: gunicorn (deploy/gunicorn.conf.py), Celery workers per queue and one beat,
# all from the same environment variables. SERVE_ROLES picks what runs on this host (a comma list
# of web, workers, beat; all three by default), so a fleet runs web on some hosts, workers on
# others, and beat on exactly one. A process that ends on its own is started again, with back-off
# (1, 2, 4 ... 30 s, logged): one fault never takes the host's other roles down. Only SIGTERM or
# Ctrl-C stops the host, gracefully.
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

# supervise NAME COMMAND...: run the command, and again whenever it ends, waiting 1 s, then 2, 4
# ... up to 30 s between starts (back to 1 s after a run of a minute or more). TERM or INT to
# the supervisor stops the command and the supervisor.
supervise() {
  local name=$1
  shift
  (
    set +e
    child=0
    trap 'trap "" INT TERM; [ $child -gt 0 ] && kill -TERM $child 2>/dev/null; wait $child 2>/dev/null; exit 0' INT TERM
    delay=1
    while true; do
      started=$SECONDS
      "$@" &
      child=$!
      wait $child
      status=$?
      child=0
      [ $((SECONDS - started)) -ge 60 ] && delay=1
      echo "serve: $name exited ($status); starting it again in ${delay}s" >&2
      sleep "$delay" &
      wait $!
      delay=$((delay * 2 > 30 ? 30 : delay * 2))
    done
  ) &
  pids+=($!)
}

worker() {  # worker QUEUES CONCURRENCY NAME
  supervise "worker $3" "$BIN/celery" -A portal worker --queues="$1" --concurrency="$2" --hostname="$3@%h" \
    --loglevel="${LOG_LEVEL:-INFO}" --without-gossip --without-mingle
}

# Metrics: this host's processes count into one folder, emptied at start; /metrics adds it up.
# A host without web serves them from `manage.py serve_metrics` (METRICS_PORT, 9464).
if [[ "${METRICS_ENABLED:-false}" =~ ^(1|[Tt]rue|[Yy]es|[Oo]n)$ ]]; then
  export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-${PORTAL_VAR_DIR:-var}/metrics}
  rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
  if [[ $ROLES != *,web,* ]]; then
    supervise metrics "$BIN/python" manage.py serve_metrics
  fi
fi
if [[ $ROLES == *,web,* ]]; then
  supervise web "$BIN/gunicorn" -c deploy/gunicorn.conf.py portal.wsgi:application
fi
if [[ $ROLES == *,workers,* ]]; then
  # Each kind of work has its own workers: a burst of uploads never delays the rail or a purge.
  worker rail "${WORKER_RAIL_CONCURRENCY:-1}" rail
  worker outbox "${WORKER_OUTBOX_CONCURRENCY:-2}" outbox
  worker renditions "${WORKER_RENDITIONS_CONCURRENCY:-$CPUS}" renditions
  worker default,maintenance "${WORKER_DEFAULT_CONCURRENCY:-2}" default
  # The change stream's retries and queued purges: needs only the database, so it works on
  # while Redis (the broker) is down and clears the backlog the moment a fault ends.
  supervise relay "$BIN/python" manage.py outbox_relay
fi
if [[ $ROLES == *,beat,* ]]; then
  supervise beat "$BIN/celery" -A portal beat --loglevel="${LOG_LEVEL:-INFO}" \
    --schedule="${PORTAL_VAR_DIR:-var}/celerybeat-schedule"
fi
if [ ${#pids[@]} -eq 0 ]; then
  echo "serve: SERVE_ROLES=${SERVE_ROLES:-} names none of web, workers, beat" >&2
  exit 2
fi
echo "serve: started ${#pids[@]} processes (roles ${ROLES//,/ })" >&2

# The supervisors end only when told to: wait for SIGTERM or Ctrl-C (stop, above).
set +e
while true; do
  wait
  [ $stopping -eq 1 ] && exit 0
  sleep 1
done
