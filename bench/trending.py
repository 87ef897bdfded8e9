"""Trending: rail reads, event ingest over HTTP and into the store, refresh time, Redis memory.

Every figure is a ratio to a baseline measured in the same run where the issue
names one: rail GETs against `/healthz` (a bare DRF endpoint), HTTP ingest in
events per second, store ingest against raw pipelined ZINCRBY from redis-py.
Targets: rail >= 0.8 x trivial; >= 20,000 events/s over HTTP; store >= 0.25 x
raw ZINCRBY; one refresh with 100,000 tracked articles well under a second.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import gunicorn, manage, recreate_postgres_database, services_env, wrk  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
TRACKED = int(os.environ.get("BENCH_TRACKED", "100000"))

EVENTS_SCRIPT = """
local ids = {%s}
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
request = function()
  counter = counter + 1
  local parts = {}
  for i = 1, 100 do
    parts[i] = string.format('{"article":%%d,"visitor":"v%%d-%%d"}', ids[math.random(#ids)], counter, i)
  end
  return wrk.format(nil, nil, nil, '{"events":[' .. table.concat(parts, ",") .. ']}')
end
"""


def _env():
    env, backend = services_env()
    if "REDIS_URL" not in env:
        raise SystemExit("the trending benchmark needs Redis (the production store) on 127.0.0.1:6379")
    env.update(
        {
            "TRENDING_EVENTS_RATE": "1000000/min",
            "TRENDING_REDIS_PREFIX": "{bench-trending}",
            # wrk stands in for many readers from one address: let it through the per-address cap,
            # as a log shipper would be, so the figure is of events really counted.
            "TRENDING_TRUSTED_SENDERS": "127.0.0.1",
        }
    )
    return env, backend


def http_figures(env: dict[str, str]) -> dict[str, float]:
    with gunicorn(env) as base:
        ids = manage(
            env,
            "shell",
            "-c",
            "from articles.models import Article; print(','.join(str(i) for i in "
            "Article.objects.filter(status='published').values_list('id', flat=True)[:500]))",
        ).strip()
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script.write(EVENTS_SCRIPT % ids.splitlines()[-1])
        script.close()
        wrk(f"{base}/healthz", seconds=2)
        trivial = wrk(f"{base}/healthz", seconds=SECONDS)
        rail = wrk(f"{base}/api/v1/trending/", seconds=SECONDS)
        event_requests = wrk(f"{base}/api/v1/trending/events/", seconds=SECONDS, script=script.name)
    return {"trivial": trivial, "rail": rail, "events_per_second": event_requests * 100}


def store_figures(env: dict[str, str]) -> dict[str, float]:
    """In a child process with the bench's settings: store vs raw ZINCRBY, memory, refresh."""
    import subprocess

    child = subprocess.run(
        [sys.executable, __file__, "--store"], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    import json

    return json.loads(child.stdout.strip().splitlines()[-1])


def _store_child() -> None:
    import json

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    import redis
    from django.conf import settings

    from trending import services
    from trending.stores import Event, get_store

    store = get_store()
    client = redis.Redis.from_url(settings.REDIS_URL)
    store.clear()
    rng = random.Random(5)
    batches, size = 300, 100
    ids = list(range(1, 5001))
    store.eligible_add_many({i: (i % 6) + 1 for i in ids})
    now = time.time()
    batch_events = [[Event(rng.choice(ids), "view", 1.0, f"v{b}-{i}") for i in range(size)] for b in range(batches)]

    started = time.perf_counter()
    for events in batch_events:
        store.record(events, now=now)
    ours = batches * size / (time.perf_counter() - started)

    raw_key = "{bench-raw}:z"
    started = time.perf_counter()
    for events in batch_events:
        pipe = client.pipeline(transaction=False)
        for event in events:
            pipe.zincrby(raw_key, 1.0, event.article_id)
        pipe.execute()
    raw = batches * size / (time.perf_counter() - started)
    client.delete(raw_key)

    # Memory per tracked article: every article read once, as a live site's tail looks.
    store.clear()
    before = client.info("memory")["used_memory"]
    tracked_ids = list(range(1, TRACKED + 1))
    store.eligible_add_many({i: (i % 6) + 1 for i in tracked_ids})
    for start in range(0, TRACKED, 100):
        store.record([Event(i, "view", 1.0, f"r{i}") for i in tracked_ids[start : start + 100]], now=now)
    after = client.info("memory")["used_memory"]
    per_article = (after - before) / TRACKED

    # The real articles get the top scores, the rest is a long tail: a refresh with 100k tracked.
    from articles.models import Article

    real = list(Article.objects.filter(status="published").values_list("id", "section_id")[:300])
    store.eligible_add_many({**{i: (i % 6) + 1 for i in tracked_ids}, **dict(real)})
    for rank, (article, _) in enumerate(real):
        store.record([Event(article, "view", 1.0, f"top{rank}-{n}") for n in range(3)], now=now)
    from django.core.cache import cache

    cache.set(services.ELIGIBLE_SYNCED, True, 600)  # keep the 100k synthetic ids eligible for this refresh
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        result = services.trending_refresh()
        timings.append(time.perf_counter() - started)
    tracked = store.tracked()
    store.clear()
    print(
        json.dumps(
            {
                "ours": ours,
                "raw": raw,
                "per_article": per_article,
                "refresh": sorted(timings)[2],
                "tracked": tracked,
                "rails": result.get("rails", 0),
            }
        )
    )


def main(env: dict[str, str] | None = None, backend: str | None = None) -> dict[str, float]:
    if env is None:
        env, backend = _env()
        if "DATABASE_URL" in env:
            recreate_postgres_database(env["DATABASE_URL"])
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo", "--i-know-this-is-production", "--articles", "2000")
    else:
        env = {**env, "TRENDING_EVENTS_RATE": "1000000/min", "TRENDING_REDIS_PREFIX": "{bench-trending}"}
    manage(env, "refresh_trending", "--sync")
    print(f"trending: {backend}; gunicorn 2 workers; wrk 16 connections, {SECONDS} s each")
    web = http_figures(env)
    store = store_figures(env)
    results = {
        "rail": web["rail"] / web["trivial"],
        "events_per_second": web["events_per_second"],
        "store": store["ours"] / store["raw"],
        "refresh_seconds": store["refresh"],
        "bytes_per_article": store["per_article"],
    }
    print(f"  trivial DRF endpoint /healthz: {web['trivial']:,.0f} req/s (baseline)")
    print(f"  GET /api/v1/trending/: {web['rail']:,.0f} req/s = {results['rail']:.2f} x trivial (target >= 0.8)")
    print(
        f"  POST /api/v1/trending/events/ in batches of 100: {results['events_per_second']:,.0f} events/s"
        f" (target >= 20,000)"
    )
    print(
        f"  store ingest with dedupe: {store['ours']:,.0f} events/s = {results['store']:.2f} x raw pipelined"
        f" ZINCRBY ({store['raw']:,.0f}/s; target >= 0.25)"
    )
    print(
        f"  one refresh of {store['rails']} rails with {store['tracked']:,} tracked articles:"
        f" {results['refresh_seconds'] * 1000:.0f} ms (target: well under 1 s)"
    )
    print(
        f"  Redis memory per tracked article: {results['bytes_per_article']:,.0f} bytes"
        f" (scores, hourly counts, pending views, eligibility, one dedupe mark)"
    )
    return results


if __name__ == "__main__":
    if "--store" in sys.argv:
        _store_child()
    else:
        main()
