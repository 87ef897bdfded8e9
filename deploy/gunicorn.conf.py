"""gunicorn for Portal (`gunicorn -c deploy/gunicorn.conf.py portal.wsgi:application`), from the
same environment as every other process. scripts/serve.sh starts it so."""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


bind = [f"{os.environ.get('PORTAL_HOST', '0.0.0.0')}:{_int('PORTAL_PORT', 8000)}"]  # noqa: S104 - behind a proxy
# Processes from the CPU count (gunicorn's own rule of thumb), each with a few threads: a reader's
# request mostly waits on the cache or the database, so threads keep a process busy meanwhile.
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread" if threads > 1 else "sync"
# A request taking longer than this is stuck: its worker is replaced (and the proxy answers 502).
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
keepalive = 5  # a load balancer's connections are reused
backlog = 2048
# Workers are replaced now and then, so a slow leak in a library never grows without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = max_requests // 10
# One line per request on stdout: address, request, status, bytes, milliseconds, referrer, agent
# and the request id (X-Request-ID), which the application's JSON log lines carry too.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" %({x-request-id}o)s'
logger_class = "core.access_log.RedactingLogger"  # preview tokens never reach the access log
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "portal-web"


# Metrics (METRICS_ENABLED): every worker writes its counts to one folder that /metrics adds up.
# serve.sh prepares it for all the host's processes; started alone, gunicorn does it here.
if os.environ.get("METRICS_ENABLED", "").lower() in ("1", "true", "yes", "on") and not os.environ.get(
    "PROMETHEUS_MULTIPROC_DIR"
):
    import shutil

    folder = os.path.join(os.environ.get("PORTAL_VAR_DIR", "var"), "metrics")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
