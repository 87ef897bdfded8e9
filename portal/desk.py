"""The desk's front page (the admin index): what an editor on shift needs at a glance.

The rail as readers see it now, each article with its views hour by hour over the last day;
what goes out next; photos whose rights end this week; and the change stream's events and
webhook receivers that keep failing. Each panel shows only to those who may open what it
lists. The composition root builds it: it reads every app.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

logger = logging.getLogger(__name__)

SPARK_WIDTH, SPARK_HEIGHT = 96, 22
# An event retried this often is stuck, not just unlucky.
STUCK_ATTEMPTS = 3
PANEL_ROWS = 10


@dataclass
class RailRow:
    rank: int
    title: str
    url: str
    pinned: bool
    views: list[int]

    width, height = SPARK_WIDTH, SPARK_HEIGHT  # the chart's box, one place for code and template

    @property
    def total(self) -> int:
        return sum(self.views)

    @property
    def points(self) -> str:
        """The sparkline's polyline: hours left to right, the busiest hour at the top."""
        top = max(self.views) or 1
        step = SPARK_WIDTH / max(len(self.views) - 1, 1)
        return " ".join(
            f"{index * step:.1f},{SPARK_HEIGHT - 1 - count / top * (SPARK_HEIGHT - 2):.1f}"
            for index, count in enumerate(self.views)
        )


def _rail(now: float) -> dict:
    from trending import selectors as rail_selectors
    from trending.stores import StoreUnavailable, get_store

    snapshot = rail_selectors.snapshot_read("now", "") or {"items": [], "generated_at": None}
    items = snapshot["items"]
    ids = [item["article"]["id"] for item in items]
    try:
        hourly = get_store().hourly(ids, now=now)
        unavailable = False
    except StoreUnavailable:
        logger.warning("the desk's rail shows no hourly views: the trending store is down")
        hourly, unavailable = {}, True
    rows = [
        RailRow(
            rank=item["rank"],
            title=item["article"]["title"],
            url=reverse("admin:articles_article_change", args=[item["article"]["id"]]),
            pinned=item.get("pinned", False),
            views=hourly.get(item["article"]["id"], [0] * 24),
        )
        for item in items
    ]
    return {"rows": rows, "generated_at": snapshot["generated_at"], "store_unavailable": unavailable}


def _next_out(openable) -> list:
    """The scheduled articles among `openable` (what the person may open in the admin: a
    writer's own, every one for an editor), soonest first. An embargoed title is news."""
    from articles.models import Article

    return list(
        openable.filter(status=Article.Status.SCHEDULED)
        .order_by("published_at", "id")
        .only("id", "title", "published_at")[:PANEL_ROWS]
    )


def _expiring(now) -> dict:
    from media.models import Image

    week = Image.objects.filter(rights_expire_at__gt=now, rights_expire_at__lte=now + timedelta(days=7))
    return {
        "photos": list(week.order_by("rights_expire_at", "id")[:PANEL_ROWS]),
        "count": week.count(),
        "list_url": reverse("admin:media_image_changelist") + "?rights=soon",
    }


def _failing(*, events: bool, endpoints: bool) -> dict:
    from core.models import ConsumerWork
    from distribution.models import Endpoint

    found: dict = {"events": [], "event_count": 0, "endpoints": [], "endpoint_count": 0}
    if events:
        # Quarantined work first (it waits for a person), then work failing again and again.
        stuck = ConsumerWork.objects.filter(
            Q(state=ConsumerWork.State.QUARANTINED) | Q(attempts__gte=STUCK_ATTEMPTS)
        ).select_related("event")
        found["events"] = list(stuck.order_by("-state", "event_id")[:PANEL_ROWS])
        found["event_count"] = stuck.count()
        found["events_url"] = reverse("admin:core_consumerwork_changelist") + "?state=quarantined"
    if endpoints:
        failing = Endpoint.objects.filter(failing_since__isnull=False).order_by("failing_since")
        found["endpoints"] = list(failing[:PANEL_ROWS])
        found["endpoint_count"] = failing.count()
        found["endpoints_url"] = reverse("admin:distribution_endpoint_changelist") + "?health=failing"
    return found


def front_page(request, site) -> dict:
    """The panels `request.user` may see: each as the admin page of what it lists allows."""
    from articles.models import Article
    from core.models import ConsumerWork
    from distribution.models import Endpoint
    from media.models import Image

    def may_view(model) -> bool:
        model_admin = site.get_model_admin(model) if site.is_registered(model) else None
        return model_admin is not None and model_admin.has_view_permission(request)

    now = timezone.now()
    desk: dict = {}
    if may_view(Article):
        desk["rail"] = _rail(time.time())
        desk["next_out"] = _next_out(site.get_model_admin(Article).get_queryset(request))
        desk["schedule_url"] = reverse("admin:articles_article_schedule")
    if may_view(Image):
        desk["expiring"] = _expiring(now)
    events, endpoints = may_view(ConsumerWork), may_view(Endpoint)
    if events or endpoints:
        desk["failing"] = _failing(events=events, endpoints=endpoints)
    return desk
