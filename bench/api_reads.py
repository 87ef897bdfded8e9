"""Public API read throughput, as ratios to a trivial DRF endpoint (`/healthz`) in the same run.

For each backend (PostgreSQL + Redis, and the embedded SQLite + file cache: BENCH_BACKENDS,
`postgres,embedded`) and each archive size (BENCH_SIZES, `2000,20000`), gunicorn with 2 sync
workers serves a demo site and wrk, a separate process, loads it (16 connections):

- hot: the front page's list, and details rotating over the 200 newest articles, the response
  cache warm. Targets: list and detail >= 1.0 x trivial.
- live (bench/live.py): reads spread uniformly over every article while an editor saves one
  a second: detail >= 0.6, list pages at random positions >= 0.45 x trivial.
- cold: the live reads with the response cache off (every answer from the database): detail
  >= 0.6 x trivial (the list for information).

Each figure is printed with its target; `bench/run.py` (`make bench`) turns a missed one into a
failure. Alone: `python -m bench.api_reads` from the repository's root.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request

from bench import live
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

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "2000,20000").split(",") if n.strip()]
BACKENDS = [b.strip() for b in os.environ.get("BENCH_BACKENDS", "postgres,embedded").split(",") if b.strip()]
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
TARGETS = {"hot_list": 1.0, "hot_detail": 1.0, "live_detail": 0.6, "live_list": 0.45, "cold_detail": 0.6}
LABELS = {
    "hot_list": "hot list (the front page, cache warm)",
    "hot_detail": "hot detail (the 200 newest, cache warm)",
    "live_detail": "live detail (uniform over the archive, an editor saving)",
    "live_list": "live list (random positions, an editor saving)",
    "cold_detail": "cold detail (response cache off, uniform, an editor saving)",
    "cold_list": "cold list (response cache off, random positions)",
}


def main() -> list[dict]:
    """Every backend and size; a row of figures for each."""
    rows = []
    for name in BACKENDS:
        env, backend = services_env(embedded=name == "embedded")
        if name == "postgres" and "DATABASE_URL" not in env:
            print("api_reads: PostgreSQL or Redis is not reachable here; the PostgreSQL + Redis run is left out")
            continue
        if "DATABASE_URL" in env:
            recreate_postgres_database(env["DATABASE_URL"])
        manage(env, "migrate", "--noinput")
        loaded = 0
        for size in SIZES:
            more = size - loaded
            extra = ["--force"] if loaded else []
            manage(env, "load_demo", "--i-know-this-is-production", "--articles", str(more), *extra)
            loaded = size
            analyze(env)
            rows.append(run(env, backend, size))
    return rows


def run(env: dict[str, str], backend: str, size: int) -> dict:
    print(f"api_reads: {size:,} articles on {backend}; gunicorn 2 sync workers; wrk 16 connections, {SECONDS} s each")
    with gunicorn(env) as base:
        ids: list[int] = []
        url = f"{base}/api/v1/articles/?page_size=100"
        while url and len(ids) < 200:
            with urllib.request.urlopen(url) as response:
                page = json.load(response)
            ids += [item["id"] for item in page["results"]]
            url = page["next"]
        # The newest article is kept apart: the freshness check edits and unpublishes it.
        detail_script = rotating_paths_script([f"/api/v1/articles/{i}/" for i in ids[1:]])
        wrk(f"{base}/healthz", seconds=2)  # warm up both workers
        wrk(base, seconds=2, script=detail_script)  # a live site's cache is warm
        trivial = wrk(f"{base}/healthz", seconds=SECONDS)
        hot_list = wrk(f"{base}/api/v1/articles/", seconds=SECONDS)
        hot_detail = wrk(base, seconds=SECONDS, script=detail_script)
        freshness = edit_and_watch(base, ids[0])
    figures = live.live_newsroom(env, seconds=SECONDS)
    row = {
        "backend": backend,
        "articles": size,
        "trivial": trivial,
        "hot_list": hot_list / trivial,
        "hot_detail": hot_detail / trivial,
        "live_detail": figures["detail"],
        "live_list": figures["list"],
        "cold_detail": figures["detail_uncached"],
        "cold_list": figures["list_uncached"],
        "visible_ms_p95": figures["visible_ms_p95"],
        "edit_ms": freshness["edit"],
        "unpublish_ms": freshness["unpublish"],
    }
    print(f"  trivial DRF endpoint /healthz: {trivial:,.0f} req/s (baseline of the hot figures; live and cold")
    print("  figures are against /healthz on their own servers, measured in the same run)")
    for name, label in LABELS.items():
        target = f" (target >= {TARGETS[name]:.2f})" if name in TARGETS else ""
        missed = "  MISSED" if name in TARGETS and row[name] < TARGETS[name] else ""
        print(f"  {label}: {row[name]:.2f} x trivial{target}{missed}")
    print(
        f"  an edit seen by readers after {freshness['edit']:.0f} ms, an unpublish after"
        f" {freshness['unpublish']:.0f} ms (promise: within 5 s)"
    )
    live.report(figures, backend)
    return row


def missed(rows: list[dict]) -> list[str]:
    """The targets a run missed, in words."""
    return [
        f"{LABELS[name]} at {row['articles']:,} articles on {row['backend']}: {row[name]:.2f} < {target}"
        for row in rows
        for name, target in TARGETS.items()
        if row[name] < target
    ]


def edit_and_watch(base: str, article_id: int) -> dict[str, float]:
    """Change a live article through the editor API and time until the public API shows it."""
    status, _, body = http_json(
        "POST", f"{base}/api/v1/auth/token/", body={"username": "editor", "password": "portal-editor"}
    )
    assert status == 200, body
    auth = {"Authorization": f"Token {body['token']}"}
    public = f"{base}/api/v1/articles/{article_id}/"
    _, headers, _ = http_json("GET", f"{base}/api/v1/editor/articles/{article_id}/", headers=auth)
    new_title = f"更新后的标题 {time.time():.0f}"
    started = time.monotonic()
    status, _, body = http_json(
        "PATCH",
        f"{base}/api/v1/editor/articles/{article_id}/",
        body={"title": new_title},
        headers={**auth, "If-Match": headers["ETag"]},
    )
    assert status == 200, body
    while http_json("GET", public)[2]["title"] != new_title:
        if time.monotonic() - started > 10:
            raise RuntimeError("the edit did not reach readers within 10 s")
        time.sleep(0.01)
    edit_ms = (time.monotonic() - started) * 1000
    started = time.monotonic()
    status, _, body = http_json("POST", f"{base}/api/v1/editor/articles/{article_id}/unpublish/", headers=auth)
    assert status == 200, body
    while http_json("GET", public)[0] != 404:
        if time.monotonic() - started > 10:
            raise RuntimeError("the unpublished article was still served after 10 s")
        time.sleep(0.01)
    return {"edit": edit_ms, "unpublish": (time.monotonic() - started) * 1000}


if __name__ == "__main__":
    import sys

    rows = main()
    for line in missed(rows):
        print(f"MISSED TARGET: {line}")
    sys.exit(1 if missed(rows) else 0)
