"""The embedded store: the database, a few writes per batch."""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum

from .base import HOUR, Event, Recorded, TrendingStore, decay_rate


class DatabaseStore(TrendingStore):
    """The embedded default: a few writes per batch. Whether an article may count is read from
    the database with each batch (one query), so every process agrees at once."""

    def eligible_add(self, article_id: int, section_id: int | None) -> None:
        pass  # the database is read with every batch

    def eligible_remove(self, article_id: int) -> None:
        pass

    def eligible_prune(self) -> int:
        return 0

    def _t0_locked(self, *, exclusive: bool) -> float:
        """t0, locked for this transaction: shared by recording batches, exclusive for a rebase,
        so a batch never scales its scores by a t0 a rebase has just replaced. Taken before any
        score row, by everyone, so the two never wait on each other in opposite orders."""
        from ..models import StoredMeta

        self._t0()  # make sure the row exists
        if connection.vendor == "postgresql":
            mode = "UPDATE" if exclusive else "SHARE"
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT value FROM {StoredMeta._meta.db_table} WHERE name = %s FOR {mode}", ["t0"])
                return cursor.fetchone()[0]
        return self._t0()  # SQLite: one writer at a time already

    def _t0(self) -> float:
        from ..models import StoredMeta

        row = StoredMeta.objects.filter(name="t0").first()
        if row is None:
            row, _ = StoredMeta.objects.get_or_create(name="t0", defaults={"value": time.time()})
        return row.value

    def record(self, events: list[Event], *, now: float, bots: int = 0, invalid: int = 0) -> Recorded:
        from ..models import StoredCap, StoredHour, StoredScore, StoredSeen

        known = self.resolver(sorted({event.article_id for event in events})) if events else {}
        eligible = {
            article: section
            for article, (section, public_from) in known.items()
            if public_from is not None and public_from <= now
        }
        result = Recorded()
        hour = int(now // HOUR)
        scores: dict[int, float] = {}
        views: dict[int, int] = {}
        with transaction.atomic():
            factor = math.exp(decay_rate() * (now - self._t0_locked(exclusive=False)))
            for event in events:
                if event.article_id not in eligible:
                    result.ineligible += 1
                    continue
                key = f"{event.kind}:{event.visitor}:{event.article_id}"[:64]
                if not self._mark_seen(StoredSeen, key, now):
                    result.duplicates += 1
                    continue
                if event.source and not self._within_cap(
                    StoredCap, f"{event.kind}:{event.source}:{event.article_id}"[:64], now
                ):
                    StoredSeen.objects.filter(key=key).delete()
                    result.limited += 1
                    continue
                result.accepted += 1
                scores[event.article_id] = scores.get(event.article_id, 0.0) + event.weight * factor
                if event.kind == "view":
                    views[event.article_id] = views.get(event.article_id, 0) + 1
            # Rows in id order, so concurrent batches lock them in the same order (no deadlocks).
            for article_id in sorted(scores):
                section = eligible.get(article_id)
                count = views.get(article_id, 0)
                self._add(
                    StoredScore,
                    {"article_id": article_id},
                    {"section_id": section},
                    score=scores[article_id],
                    pending_views=count,
                )
                if count:
                    self._add(
                        StoredHour, {"article_id": article_id, "hour": hour}, {"section_id": section}, views=count
                    )
            self._tally(
                accepted=result.accepted,
                duplicates=result.duplicates,
                ineligible=result.ineligible,
                limited=result.limited,
                bots=bots,
                invalid=invalid,
            )
        return result

    @staticmethod
    def _tally(**counts: int) -> None:
        from ..models import StoredMeta

        for name, count in counts.items():
            if count and not StoredMeta.objects.filter(name=f"stat:{name}").update(value=F("value") + count):
                StoredMeta.objects.get_or_create(name=f"stat:{name}", defaults={"value": 0})
                StoredMeta.objects.filter(name=f"stat:{name}").update(value=F("value") + count)

    def stats(self) -> dict[str, int]:
        from ..models import StoredMeta

        return {row.name[5:]: int(row.value) for row in StoredMeta.objects.filter(name__startswith="stat:")}

    @staticmethod
    def _add(model, lookup: dict, defaults: dict, **increments) -> None:
        """Add to a row's counters, making the row first if needed; the unique key guards the race."""
        changes = {field: F(field) + value for field, value in increments.items()}
        if model.objects.filter(**lookup).update(**changes):
            return
        try:
            with transaction.atomic():
                model.objects.create(**lookup, **defaults, **increments)
        except IntegrityError:
            model.objects.filter(**lookup).update(**changes)

    @staticmethod
    def _mark_seen(model, key: str, now: float) -> bool:
        expires = now + settings.TRENDING_DEDUPE_SECONDS
        if model.objects.filter(key=key, expires_at__lte=now).update(expires_at=expires):
            return True
        try:
            with transaction.atomic():
                model.objects.create(key=key, expires_at=expires)
            return True
        except IntegrityError:
            return False

    @staticmethod
    def _within_cap(model, key: str, now: float) -> bool:
        """Count one more event from an address for an article; False once it is over the cap."""
        cap, expires = settings.TRENDING_VIEWS_PER_ADDRESS, now + settings.TRENDING_DEDUPE_SECONDS
        if model.objects.filter(key=key, expires_at__gt=now, count__lt=cap).update(count=F("count") + 1):
            return True
        if model.objects.filter(key=key, expires_at__lte=now).update(count=1, expires_at=expires):
            return True
        try:
            with transaction.atomic():
                model.objects.create(key=key, count=1, expires_at=expires)
            return True
        except IntegrityError:
            return False  # the row is there, current and full

    def top(self, kind: str, section_id: int | None, limit: int, *, now: float) -> list[tuple[int, float]]:
        from ..models import StoredHour, StoredScore

        if kind == "decayed":
            rows = StoredScore.objects.filter(score__gt=0)
            if section_id:
                rows = rows.filter(section_id=section_id)
            scale = math.exp(-decay_rate() * (now - self._t0()))
            return [(a, s * scale) for a, s in rows.order_by("-score").values_list("article_id", "score")[:limit]]
        rows = StoredHour.objects.filter(hour__gt=int(now // HOUR) - 24)
        if section_id:
            rows = rows.filter(section_id=section_id)
        totals = rows.values("article_id").annotate(total=Sum("views")).order_by("-total", "article_id")[:limit]
        return [(row["article_id"], float(row["total"])) for row in totals]

    def hourly(self, article_ids: list[int], *, now: float, hours: int = 24) -> dict[int, list[int]]:
        from ..models import StoredHour

        current = int(now // HOUR)
        series = {article_id: [0] * hours for article_id in article_ids}
        rows = StoredHour.objects.filter(article_id__in=article_ids, hour__gt=current - hours, hour__lte=current)
        for article_id, hour, views in rows.values_list("article_id", "hour", "views"):
            series[article_id][hours - 1 - (current - hour)] = views
        return series

    def views_claim(self) -> tuple[int, dict[int, int]]:
        """Run inside the caller's transaction: the reset is undone with it if the flush fails."""
        from ..models import StoredScore

        with transaction.atomic():
            rows = dict(
                StoredScore.objects.select_for_update()
                .filter(pending_views__gt=0)
                .order_by("article_id")  # the order recording batches lock them in
                .values_list("article_id", "pending_views")
            )
            StoredScore.objects.filter(article_id__in=list(rows)).update(pending_views=0)
        return 0, rows

    def views_release(self, batch: int) -> None:
        pass  # the claim committed (or rolled back) with the caller's transaction

    def rebase(self, *, now: float) -> None:
        from ..models import StoredMeta, StoredScore

        with transaction.atomic():
            t0 = self._t0_locked(exclusive=True)
            # Every score row, locked in id order as recording batches lock them, then scaled.
            list(StoredScore.objects.select_for_update().order_by("article_id").values_list("article_id", flat=True))
            StoredScore.objects.update(score=F("score") * math.exp(-decay_rate() * (now - t0)))
            StoredMeta.objects.filter(name="t0").update(value=now)

    def prune(self, *, now: float, min_score: float) -> int:
        from ..models import StoredCap, StoredHour, StoredScore, StoredSeen

        with transaction.atomic():
            threshold = min_score * math.exp(decay_rate() * (now - self._t0_locked(exclusive=False)))
            faded = list(
                StoredScore.objects.select_for_update()
                .filter(score__lt=threshold, pending_views=0)
                .order_by("article_id")  # the order recording batches lock them in
                .values_list("article_id", flat=True)
            )
            removed, _ = StoredScore.objects.filter(article_id__in=faded).delete()
        StoredSeen.objects.filter(expires_at__lte=now).delete()
        StoredCap.objects.filter(expires_at__lte=now).delete()
        StoredHour.objects.filter(hour__lte=int(now // HOUR) - 25).delete()
        return removed

    def roll_hours(self, *, now: float) -> None:
        pass  # the `today` query reads only the last 24 hours

    def tracked(self) -> int:
        from ..models import StoredScore

        return StoredScore.objects.count()

    def ping(self) -> None:
        pass
