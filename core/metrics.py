"""Prometheus metrics: what every process counts, and what a scrape reads live.

Counters and histograms live in `prometheus_client`; with `METRICS_ENABLED` every process of a
host (gunicorn workers, Celery workers and their children) writes them to files in
`PROMETHEUS_MULTIPROC_DIR`, which `/metrics` adds up, so the answer is the host's whatever
worker takes the scrape. Gauges of shared state (queue lengths, outbox lag, the rail's age)
are read when scraped, from providers apps register in `ready()`.

Names follow Prometheus' conventions: `portal_` first, base units (seconds), `_total` on
counters. Labels are bounded: routes are URL patterns, never paths.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

REQUESTS = Counter(
    "portal_http_requests_total",
    "Requests answered, by route (URL pattern), method and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer a request, by route (URL pattern)",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
VISIBLE = Histogram(
    "portal_publish_to_visible_seconds",
    "From a public change's commit to readers seeing it, by channel (api, search, cdn, webhook)",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0),
)

CONSUMED = Counter(
    "portal_outbox_consumed_total",
    "Change events a consumer has handled (superseded ones apart), by consumer",
    ["consumer"],
)
SUPERSEDED = Counter(
    "portal_outbox_superseded_total",
    "A consumer's work on an event dropped because a later event of the same subject brought the current state",
    ["consumer"],
)


def outbox_consumed(consumer: str, seconds: float) -> None:
    CONSUMED.labels(consumer).inc()


def outbox_superseded(consumer: str) -> None:
    SUPERSEDED.labels(consumer).inc()


# The changes whose visibility is timed: a publish (on time or on schedule).
PUBLISHED = "article.published"


def visible(channel: str, event, now: float | None = None) -> None:
    """A channel now shows what `event` changed: time it from the change's commit, for publishes."""
    if event.type == PUBLISHED and event.created_at is not None:
        VISIBLE.labels(channel).observe(max(0.0, (now or time.time()) - event.created_at.timestamp()))


def visible_since(channel: str, moment, now: float | None = None) -> None:
    """A channel now shows a change made at `moment` (the CDN knows keys, not events)."""
    VISIBLE.labels(channel).observe(max(0.0, (now or time.time()) - moment.timestamp()))


_live: dict[str, tuple[str, Callable[[], Iterable[tuple[dict[str, str], float]]]]] = {}


def register_live(name: str, documentation: str, read: Callable[[], Iterable[tuple[dict[str, str], float]]]) -> None:
    """A gauge read at each scrape: `read()` yields (labels, value) pairs."""
    _live[name] = (documentation, read)


class LiveCollector:
    """Reads the registered live gauges; one that fails is left out of that scrape (and logged)."""

    def collect(self):
        for name, (documentation, read) in sorted(_live.items()):
            try:
                samples = list(read())
            except Exception:
                logger.warning("metric %s could not be read", name, exc_info=True)
                continue
            labels = sorted({key for sample_labels, _ in samples for key in sample_labels})
            family = GaugeMetricFamily(name, documentation, labels=labels)
            for sample_labels, value in samples:
                family.add_metric([sample_labels.get(key, "") for key in labels], value)
            yield family


def exposition() -> tuple[bytes, str]:
    """The scrape's body and content type: this host's processes' metrics and the live gauges."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.exposition import CONTENT_TYPE_LATEST
    from prometheus_client.multiprocess import MultiProcessCollector

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=folder)
    else:
        registry = REGISTRY
    live = CollectorRegistry()
    live.register(LiveCollector())
    return generate_latest(registry) + generate_latest(live), CONTENT_TYPE_LATEST


def process_died(pid: int) -> None:
    """A worker process exited: its live gauges' files go (gunicorn's and Celery's hooks call this)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


class MetricsMiddleware:
    """Counts and times every request by its URL pattern; absent unless METRICS_ENABLED."""

    def __init__(self, get_response):
        if not settings.METRICS_ENABLED:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        route = route_name(match.route) if match is not None else "(unmatched)"
        LATENCY.labels(route).observe(time.perf_counter() - started)
        REQUESTS.labels(
            route, request.method if request.method in _METHODS else "other", str(response.status_code)
        ).inc()
        return response


@functools.lru_cache(maxsize=512)
def route_name(pattern: str) -> str:
    """A URL pattern as people read it: `api/v1/articles/{pk}/`, not the router's regex
    `api/v1/articles/(?P<pk>[0-9]{1,19})/$` (Django's `<int:pk>` converters stay as they are)."""
    readable = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)
    return readable.replace("^", "").removesuffix("$")


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
