"""Rendering documents in bulk (`manage.py documents_rebuild`, `load_demo`, imports): in id order
and batches, by several processes on PostgreSQL, stopping cleanly on Ctrl-C and resumable.

A run renders every public or scheduled article whose document is missing or was rendered
before `rendered_before` (the run's own start when not given): a run that stopped is resumed by
running it again with the first run's start, and renders only what that run had not reached.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from datetime import datetime

from django.conf import settings
from django.db import connection, connections
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from core.sql import analyze

from ..models import PUBLIC_STATUSES, Article, Document, DocumentLink
from .render import documents_render
from .sitemaps import sitemap_sweep

logger = logging.getLogger(__name__)

BATCH = 200


class Interrupted(Exception):
    """The run was stopped (Ctrl-C, SIGTERM) after finishing the batches it had started."""

    def __init__(self, done: int, started: datetime) -> None:
        super().__init__(f"stopped after {done} documents")
        self.done = done
        self.started = started


def default_processes() -> int:
    """One per CPU on PostgreSQL; one on SQLite, which takes one writer at a time."""
    return max(1, os.cpu_count() or 1) if connection.vendor == "postgresql" else 1


def pending(*, article_ids: Iterable[int] | None, rendered_before: datetime) -> Q:
    """The articles a run renders: public or scheduled, their document missing or older."""
    # NOT EXISTS (an anti-join): NOT IN over a million ids would not fit a hash and run row by row.
    fresh = Document.objects.filter(article_id=OuterRef("pk"), rendered_at__gte=rendered_before)
    condition = Q(status__in=PUBLIC_STATUSES) & Q(~Exists(fresh))
    if article_ids is not None:
        condition &= Q(pk__in=list(article_ids))
    return condition


def batches(condition: Q, size: int) -> Iterator[list[int]]:
    """Article ids in id order, `size` at a time, read a batch at a time (`pk__gt`)."""
    last = 0
    while True:
        ids = list(Article.objects.filter(condition, pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def tag_links_first(condition: Q, size: int = 2000) -> int:
    """Link every pending article without a document to its tags before anything renders, so
    that related articles (the newest carrying each tag, `selectors.article_related`) come from
    the whole archive whatever order documents render in. Rendering then writes all its links."""
    through = Article.tags.through
    written = 0
    for ids in batches(condition & Q(document__isnull=True), size):
        published = {
            pk: moment
            for pk, moment in Article.objects.filter(pk__in=ids).values_list("pk", "published_at")
            if moment is not None
        }
        tagged = through.objects.filter(article_id__in=ids).values_list("article_id", "tag_id")
        links = [
            DocumentLink(article_id=article_id, key=f"tag-{tag_id}", published_at=published[article_id])
            for article_id, tag_id in tagged
            if article_id in published
        ]
        DocumentLink.objects.filter(article_id__in=ids).delete()
        DocumentLink.objects.bulk_create(links, batch_size=size)
        written += len(links)
    return written


def render_batch(article_ids: list[int]) -> int:
    """Render these articles' documents together; how many are public (have one now)."""
    return sum(document is not None for document in documents_render(article_ids).values())


def documents_rebuild(
    *,
    article_ids: Iterable[int] | None = None,
    rendered_before: datetime | None = None,
    processes: int | None = None,
    batch: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Render the documents of every public or scheduled article (or these) not rendered since
    `rendered_before` (default: now); returns how many were rendered. Raises `Interrupted` when
    stopped by SIGINT or SIGTERM, once the batches under way are done."""
    started = timezone.now()
    condition = pending(article_ids=article_ids, rendered_before=rendered_before or started)
    processes = processes or default_processes()
    if connection.vendor != "postgresql":
        processes = 1  # SQLite takes one writer at a time: more would wait on each other's locks
    stop = _Stop()
    with stop.catching():
        total = Article.objects.filter(condition).count()
        if total:
            tag_links_first(condition)
        if progress:
            progress(0, total)
        if processes <= 1 or total <= batch:
            rendered = looked_at = 0
            for ids in batches(condition, batch):
                if stop.asked:
                    raise Interrupted(rendered, started)
                rendered += render_batch(ids)
                looked_at += len(ids)
                if progress:
                    progress(min(looked_at, total), total)
        else:
            rendered = _in_processes(condition, batch, processes, total, progress, stop, started)
    if total:
        analyze([Document, DocumentLink])
    if article_ids is None:
        sitemap_sweep(size=settings.SITEMAP_PAGE_SIZE)  # bulk-made articles had no events to count them
    return rendered


def _in_processes(
    condition: Q,
    batch: int,
    processes: int,
    total: int,
    progress: Callable[[int, int], None] | None,
    stop: _Stop,
    started: datetime,
) -> int:
    context = multiprocessing.get_context("fork")
    rendered = looked_at = 0
    with ProcessPoolExecutor(processes, mp_context=context, initializer=_child) as pool:
        # Every process is forked at the first task: with no connection open here, so that none
        # shares this process's socket (each opens its own).
        connections.close_all()
        pool.submit(int).result()
        running: dict[Future, int] = {}
        work = batches(condition, batch)
        exhausted = False
        while True:
            while not exhausted and not stop.asked and len(running) < processes * 2:
                ids = next(work, None)
                if ids is None:
                    exhausted = True
                else:
                    running[pool.submit(render_batch, ids)] = len(ids)
            if not running:
                break
            finished, _ = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                rendered += future.result()  # a child's error stops the run
                looked_at += running.pop(future)
                if progress:
                    progress(min(looked_at, total), total)
    if stop.asked:
        raise Interrupted(rendered, started)
    return rendered


def _child() -> None:
    # The parent decides when to stop (after the batches under way): a terminal's Ctrl-C
    # reaches the whole process group, and must not cut a child's render in half.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class _Stop:
    """SIGINT and SIGTERM ask the run to stop after the batches under way (in the main thread;
    elsewhere signals are not ours to take, and the run goes to its end)."""

    asked = False

    @contextlib.contextmanager
    def catching(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        for s in previous:
            signal.signal(s, self._ask)
        try:
            yield
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)

    def _ask(self, signum: int, frame: object) -> None:
        if self.asked:  # asked twice: stop at once
            raise KeyboardInterrupt
        self.asked = True
        logger.warning("documents_rebuild: stopping after the batches under way (again to stop at once)")
