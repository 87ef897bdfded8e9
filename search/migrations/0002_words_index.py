"""PostgreSQL: a GIN index on the segmenter's words, so that ranking learns which matches hold a
query's whole word without reading (and decompressing) each match's word list.

The vectors now also carry recency buckets (`~{id // 10000}`) that the first, newest-only pass of
search and suggestions looks up in the indexes: run `manage.py search_rebuild` after upgrading
(until then those passes find nothing and every query takes the whole-archive pass: slower,
never wrong).
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS search_entry_words ON search_entry USING gin (words)"
            " WITH (gin_pending_list_limit = 256)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_entry_words")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
