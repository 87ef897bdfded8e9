"""`make bench`: run every benchmark and print its figures as ratios to in-run baselines."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (  # noqa: E402
    api_reads,
    archive,
    distribution,
    observability,
    renditions,
    retraction,
    search,
    trending,
)


def main() -> int:
    failures = []
    rows = api_reads.main()
    failures += api_reads.missed(rows)
    for row in rows:
        if not row["visible_ms_p95"] <= 1000:
            failures.append(
                f"edits visible to readers p95 above 1 s at {row['articles']:,} articles on {row['backend']}"
            )
    results = renditions.main()
    if results["all"] < 2.5:
        failures.append("full rendition set below 2.5x plain Pillow")
    if results["small"] < 3:
        failures.append("small renditions below 3x plain Pillow")
    if results["peak_mb"] >= 200:
        failures.append("peak memory 200 MB or more")
    results = trending.main()
    if results["rail"] < 0.8:
        failures.append("rail below 0.8 x trivial")
    if results["events_per_second"] < 20_000:
        failures.append("HTTP ingest below 20,000 events/s")
    if results["store"] < 0.25:
        failures.append("store ingest below 0.25 x raw ZINCRBY")
    if results["refresh_seconds"] >= 1:
        failures.append("refresh of 100k tracked articles took a second or more")
    for result in search.main():
        where = f"{result['backend']} at {result['size']:,} articles"
        if result["recall"] < 1.0:
            failures.append(f"search recall below 1.000 ({where})")
        if result["precision"] < 0.95:
            failures.append(f"search precision@10 below 0.95 ({where})")
        limit = 15 if result["backend"] == "sqlite" else 35
        if result["size"] >= 100_000 and result["page_p95"] > limit:
            failures.append(f"search page p95 above {limit} ms ({where})")
        if result["size"] >= 100_000 and result["suggest_p95"] > 10:
            failures.append(f"suggestions p95 above 10 ms ({where})")
    results = distribution.main()
    if results["publish_p95_ms"] > 2000:
        failures.append("publish to first webhook attempt p95 above 2 s")
    if results["varnish_p95_ms"] is None:
        failures.append("publish to fresh through Varnish not measured (no varnishd)")
    elif results["varnish_p95_ms"] > 1000:
        failures.append("publish to fresh through Varnish p95 above 1 s")
    if results["fanout_s"] >= 30:
        failures.append("fan-out to 1,000 webhook endpoints took 30 s or more")
    if results["news_files"] != 3:
        failures.append("news sitemap of 2,500 articles is not three files")
    results = retraction.main()
    if results["calm_p95"] > 1.0:
        failures.append("retraction p95 above 1 s on a calm day")
    if results["outage_max"] > 5.0:
        failures.append("a retraction around a Redis outage took more than 5 s after it ended")
    if results["lag_max"] > 1.0:
        failures.append("healthy consumers lagged more than 1 s beside a failing one")
    results = observability.main()
    if results["observed"] < 0.9:
        failures.append("hot list with metrics and tracing below 0.9 x without")
    if results["replica"] is None:
        failures.append("replica-routed read not measured (no PostgreSQL server programs)")
    if archive.SIZE:
        failures += archive.missed(archive.main())
    for failure in failures:
        print(f"MISSED TARGET: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
