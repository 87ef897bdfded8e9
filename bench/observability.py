"""Beyond one machine, measured: what metrics and tracing cost on the hot list read, and a read
served by a replica against the same read on the primary.

1. Four gunicorns on the same site: one plain, three with METRICS_ENABLED (multiprocess mode)
   and tracing exported over OTLP to a local sink, sampling 5% of requests (what the README
   recommends for a busy site), 10% and all of them; wrk takes turns between them on the article
   list (answered from the shared cache, the hot path) and /healthz. Figure: list requests/s
   with both on (5%) over list requests/s with both off (target >= 0.9); the others for
   information.
2. A PostgreSQL primary and streaming standby (bench/pg_pair.py); two gunicorns with the answer
   cache off so every read reaches the database, one reading the primary, one routing public
   reads to the replica; wrk alternates on article details. Figure: replica over primary.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import urllib.request
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench import pg_pair
from bench.common import (
    analyze,
    gunicorn,
    http_json,
    manage,
    recreate_postgres_database,
    rotating_paths_script,
    services_env,
    wrk,
)

SECONDS = int(os.environ.get("BENCH_SECONDS", "6"))
ROUNDS = 5
# The share of requests traced in the figure with a target: what the README recommends for a busy
# site. 10% and every request are printed beside it.
SAMPLED = 0.05


class _Sink(BaseHTTPRequestHandler):
    """An OTLP/HTTP endpoint that accepts every export (a collector on another host would)."""

    received = 0

    def do_POST(self):  # noqa: N802 - the handler's protocol
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        _Sink.received += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


def _alternate(urls: dict[str, tuple[str, str | None]]) -> dict[str, float]:
    """Median requests/s per name over ROUNDS rounds, the names taking turns within each round."""
    seen: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(ROUNDS):
        for name, (url, script) in urls.items():
            seen[name].append(wrk(url, seconds=SECONDS, script=script))
    return {name: statistics.median(values) for name, values in seen.items()}


def observability_cost(env: dict[str, str]) -> dict[str, float]:
    sink = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{sink.server_address[1]}"

    def observed(rate: str) -> dict[str, str]:
        return {
            **env,
            "METRICS_ENABLED": "true",
            "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="portal-bench-metrics-"),
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG": rate,
        }

    with ExitStack() as stack:
        servers = {
            "plain": stack.enter_context(gunicorn(env)),
            "sampled": stack.enter_context(gunicorn(observed(str(SAMPLED)))),
            "tenth": stack.enter_context(gunicorn(observed("0.1"))),
            "traced": stack.enter_context(gunicorn(observed("1.0"))),
        }
        for base in servers.values():
            wrk(f"{base}/api/v1/articles/", seconds=2)  # warm every worker
        rates = _alternate(
            {"trivial": (f"{servers['plain']}/healthz", None)}
            | {name: (f"{base}/api/v1/articles/", None) for name, base in servers.items()}
        )
        with urllib.request.urlopen(f"{servers['sampled']}/metrics", timeout=10) as response:  # loopback may
            scraped = response.status
    sink.shutdown()
    if scraped != 200 or not _Sink.received:
        raise RuntimeError(f"metrics or traces were not on: /metrics {scraped}, {_Sink.received} exports")
    return {**rates, "exports": _Sink.received}


def replica_reads(env: dict[str, str], articles: int) -> dict[str, float]:
    pair = pg_pair.StreamingPair().start()
    try:
        pair.create_database("portal_bench")
        site = {**env, "DATABASE_URL": pair.url("portal_bench"), "API_CACHE_SECONDS": "0"}
        manage(site, "migrate", "--noinput")
        manage(site, "load_demo", "--i-know-this-is-production", "--articles", str(articles))
        analyze(site)
        pair.caught_up()
        routed = {**site, "DATABASE_REPLICA_URLS": pair.url("portal_bench", replica=True)}
        with gunicorn(site) as primary, gunicorn(routed) as replica:
            listed = http_json("GET", f"{primary}/api/v1/articles/?page_size=100")[2]["results"]
            script = rotating_paths_script([f"/api/v1/articles/{item['id']}/" for item in listed])
            for base in (primary, replica):
                wrk(base, seconds=2, script=script)
            rates = _alternate({"primary": (primary, script), "replica": (replica, script)})
            on_replica = pair.sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'portal_bench' AND query ILIKE '%articles\\_%'",
                replica=True,
            )
        if int(on_replica or 0) == 0:
            raise RuntimeError("no read reached the replica")
        return rates
    finally:
        pair.stop()


def main() -> dict[str, float]:
    env, backend = services_env()
    if "DATABASE_URL" in env:
        recreate_postgres_database(env["DATABASE_URL"])
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo", "--i-know-this-is-production", "--articles", "500")
    analyze(env)
    print(
        f"observability: 500 articles on {backend}; gunicorn 2 workers each; "
        f"wrk 16 connections, {SECONDS} s x {ROUNDS} rounds taking turns, medians"
    )
    cost = observability_cost(env)
    print(f"  trivial DRF endpoint /healthz: {cost['trivial']:,.0f} req/s (baseline)")
    print(f"  hot list, plain: {cost['plain']:,.0f} req/s ({cost['plain'] / cost['trivial']:.2f} x trivial)")
    sampled = cost["sampled"] / cost["plain"]
    print(
        f"  hot list, metrics + tracing ({SAMPLED:.0%} of requests traced): {cost['sampled']:,.0f} req/s, "
        f"{sampled:.2f} x plain (target >= 0.9)"
    )
    for name, label in (("tenth", "10%"), ("traced", "every request")):
        print(
            f"  hot list, metrics + tracing ({label} traced): {cost[name]:,.0f} req/s, "
            f"{cost[name] / cost['plain']:.2f} x plain (information)"
        )
    traced = cost["traced"] / cost["plain"]
    if not pg_pair.available():
        print("  replica-routed read: not measured (no PostgreSQL server programs)")
        return {"observed": sampled, "traced": traced, "replica": None}
    reads = replica_reads(env, 500)
    ratio = reads["replica"] / reads["primary"]
    print(
        f"  article detail from the database (cache off): primary {reads['primary']:,.0f} req/s, "
        f"replica-routed {reads['replica']:,.0f} req/s, {ratio:.2f} x primary"
    )
    return {"observed": sampled, "traced": traced, "replica": ratio}


if __name__ == "__main__":
    main()
