"""The stored document's columns are in the order reads need them (migration 0018): a list page's
columns before the detail's kilobytes, which on SQLite it would otherwise read through."""

import importlib
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Document
from tests.articles.factories import ArticleFactory

ITEM = ["item_head", "item_tail", "item_keys", "valid_until"]
DETAIL = ["detail_head", "detail_tail"]


def _columns() -> list[str]:
    with connection.cursor() as cursor:
        return [c.name for c in connection.introspection.get_table_description(cursor, Document._meta.db_table)]


def test_a_list_pages_columns_come_before_the_details_bytes(db):
    fields = [f.column for f in Document._meta.concrete_fields]
    assert max(fields.index(c) for c in ITEM) < min(fields.index(c) for c in DETAIL)
    if connection.vendor == "sqlite":  # PostgreSQL keeps long values out of line: its order is moot
        columns = _columns()
        assert max(columns.index(c) for c in ITEM) < min(columns.index(c) for c in DETAIL)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the schema editor runs outside a transaction
def test_the_rebuild_keeps_every_stored_document():
    from django.apps import apps

    rebuild = importlib.import_module("articles.migrations.0018_document_columns_for_lists_first").rebuild_on_sqlite
    article = ArticleFactory(title="重建前的文档")
    Document.objects.filter(article=article).delete()
    Document.objects.create(
        article=article,
        detail_head=b'{"id":1,"title":"\xe9\x87\x8d"',
        detail_tail=b"}",
        item_head=b'{"id":1',
        item_tail=b"}",
        keys="article-1 list",
        item_keys="article-1",
        valid_until=timezone.now() + timedelta(days=1),
    )
    with connection.schema_editor() as editor:
        rebuild(apps, editor)

    kept = Document.objects.get(article_id=article.pk)
    assert bytes(kept.detail_head) == b'{"id":1,"title":"\xe9\x87\x8d"' and bytes(kept.item_head) == b'{"id":1'
    assert kept.keys == "article-1 list" and kept.item_keys == "article-1"
