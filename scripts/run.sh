#!/usr/bin/env bash
# Start web, worker, beat and the change stream's relay loop together; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${PORTAL_HOST:-127.0.0.1}
PORT=${PORTAL_PORT:-8000}

pids=()
stop() {
  trap '' INT TERM  # a second Ctrl-C while stopping changes nothing
  trap - EXIT
  echo
  echo "Stopping web, worker, beat and the relay..."
  # runserver's reloader runs the server in a child of its own.
  [ -n "${web_pid:-}" ] && pkill -TERM -P "$web_pid" 2>/dev/null || true
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  echo "Stopped."
  exit 0  # stopping on Ctrl-C is how `make run` ends, not a failure
}
trap stop INT TERM EXIT

$BIN/celery -A portal worker --loglevel=INFO --concurrency=2 --hostname="worker@%h" &
pids+=($!)
$BIN/celery -A portal beat --loglevel=INFO --schedule=var/celerybeat-schedule &
pids+=($!)
$BIN/python manage.py outbox_relay &
pids+=($!)
$BIN/python manage.py runserver "$HOST:$PORT" &
web_pid=$!
pids+=($web_pid)

echo
echo "Portal is starting:"
echo "  site admin  http://$HOST:$PORT/admin/"
echo "  public API  http://$HOST:$PORT/api/v1/"
echo "  API docs    http://$HOST:$PORT/api/docs/"
echo "  health      http://$HOST:$PORT/healthz  http://$HOST:$PORT/readyz"
echo "Press Ctrl-C to stop."
wait -n "${pids[@]}"
