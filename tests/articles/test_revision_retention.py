"""Revision retention: all for REVISION_KEEP_ALL_DAYS, then one a day, never a published state,
a correction or the latest; a command and a daily beat task; an index for a million rows."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from articles import selectors, services
from articles.models import Revision
from articles.retention import revisions_prune

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _saved(article, by, *moments_and_actions):
    """Revisions at the given Shanghai times (as if saved then)."""
    last = Revision.objects.filter(article=article).order_by("-number").first()
    number = last.number if last else 0
    made = []
    for moment, action in moments_and_actions:
        number += 1
        made.append(
            Revision.objects.create(
                article=article,
                number=number,
                version=number,
                action=action,
                created_by=by,
                created_at=moment,
                data={"title": f"第{number}稿"},
            )
        )
    return made


def test_old_revisions_keep_the_last_of_each_day_every_published_state_and_the_latest(editor, settings):
    settings.REVISION_KEEP_ALL_DAYS = 30
    now = datetime(2026, 11, 26, 12, 0, tzinfo=SHANGHAI)
    article = services.article_create(by=editor, title="反复修改的稿子")
    Revision.objects.filter(article=article).delete()
    day = datetime(2026, 9, 1, tzinfo=SHANGHAI)
    edited, published = Revision.Action.EDITED, Revision.Action.PUBLISHED
    early, noon, late = _saved(
        article, editor, (day.replace(hour=8), edited), (day.replace(hour=12), edited), (day.replace(hour=23), edited)
    )
    # Just after midnight in Shanghai (the day before in UTC) is the next day.
    next_morning, went_out, next_evening = _saved(
        article,
        editor,
        (day.replace(day=2, hour=0, minute=30), edited),
        (day.replace(day=2, hour=9), published),
        (day.replace(day=2, hour=20), edited),
    )
    corrected, recent_a, recent_b = _saved(
        article,
        editor,
        (day.replace(day=3, hour=9), Revision.Action.CORRECTED),
        (now - timedelta(days=3), edited),
        (now - timedelta(days=3, hours=-1), edited),
    )

    result = revisions_prune(now=now)

    kept = set(Revision.objects.filter(article=article).values_list("pk", flat=True))
    assert kept == {late.pk, went_out.pk, next_evening.pk, corrected.pk, recent_a.pk, recent_b.pk}
    assert (result.deleted, result.articles) == (3, 1)
    assert not {early.pk, noon.pk, next_morning.pk} & kept


def test_the_latest_revision_is_kept_however_old(editor, settings):
    settings.REVISION_KEEP_ALL_DAYS = 30
    article = services.article_create(by=editor, title="旧稿")
    Revision.objects.filter(article=article).delete()
    long_ago = (timezone.now() - timedelta(days=400)).astimezone(SHANGHAI).replace(hour=10)  # one day
    first, last = _saved(
        article, editor, (long_ago, Revision.Action.EDITED), (long_ago + timedelta(hours=1), Revision.Action.EDITED)
    )

    revisions_prune()

    assert list(Revision.objects.filter(article=article).values_list("pk", flat=True)) == [last.pk]
    revisions_prune()  # and a second run changes nothing
    assert Revision.objects.filter(article=article).count() == 1


def test_the_command_and_the_daily_beat_task(editor, settings, capsys):
    settings.REVISION_KEEP_ALL_DAYS = 1
    article = services.article_create(by=editor, title="命令")
    Revision.objects.filter(article=article).delete()
    old = timezone.now() - timedelta(days=5)
    _saved(article, editor, (old, Revision.Action.EDITED), (old + timedelta(minutes=1), Revision.Action.EDITED))
    _saved(article, editor, (timezone.now(), Revision.Action.EDITED))

    call_command("revisions_prune")

    assert "Removed 1 revision(s)" in capsys.readouterr().out
    task = PeriodicTask.objects.get(task="articles.tasks.revisions_prune_task")
    assert task.enabled and (task.interval.every, task.interval.period) == (1, "days")


def test_the_revision_list_reads_an_index_at_a_million_rows(editor):
    if connection.vendor != "postgresql":
        pytest.skip("the planner's choice at a million rows is PostgreSQL's (DATABASE_URL=postgres://...)")
    article = services.article_create(by=editor, title="百万修订")
    other = services.article_create(by=editor, title="另一篇")
    table = Revision._meta.db_table
    with connection.cursor() as cursor:
        # A million revisions of one article (a live blog saved every minute for two years).
        cursor.execute(
            f"INSERT INTO {table} (article_id, number, version, action, note, created_at, data)"
            " SELECT %s, n, n, 'edited', '', now() - (n || ' minutes')::interval, '{}'::jsonb"
            " FROM generate_series(2, 1000000) AS n",
            [other.pk],
        )
        cursor.execute(f"ANALYZE {table}")
    # The first page of the article with a million revisions: read newest first off the index,
    # not a million rows sorted.
    plan = selectors.revision_list(article_id=other.pk)[:20].explain()
    assert "Index Scan Backward using revision_unique_number" in plan, plan
    assert "Seq Scan on articles_revision" not in plan and "Sort" not in plan, plan
    # And a page deep in the list (the cursor after revision 500,000).
    deep = selectors.revision_list(article_id=other.pk).filter(number__lt=500_000)[:20].explain()
    assert "revision_unique_number" in deep and "Sort" not in deep, deep
    assert selectors.revision_list(article_id=article.pk).count() == 1
