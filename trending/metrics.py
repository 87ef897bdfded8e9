"""The rail's Prometheus metrics (core/metrics.py exposes them)."""

from prometheus_client import Counter, Histogram

EVENTS = Counter("portal_trending_events_total", "Reader events sent, by outcome", ["outcome"])
REFRESH = Histogram(
    "portal_rail_refresh_seconds",
    "Time to rebuild every rail",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
