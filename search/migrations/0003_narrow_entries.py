"""PostgreSQL: `search_entry`'s vectors live out of line, as `search_doc`'s already do.

Ranking finds which of a query's matches hold its whole word, or match in the title, through
the GIN indexes on `words` and `head`, and then visits each match's row for its id. With the
vectors inline a row took a kilobyte or more: for a common word that was thousands of pages
(139 MB of rows at 100,000 articles), read from outside PostgreSQL's buffers on every cold
search. Now a row that passes PostgreSQL's toasting threshold (2 kB, which the words of a news
article of a few hundred words do) keeps only its id and three pointers (17 MB of rows at
100,000 articles); only the heads being ranked are read in full.

Entries written before this migration keep their inline vectors until they are indexed again:
run `manage.py search_rebuild` after upgrading (searches are right either way, only slower).
"""

from django.db import migrations


def narrow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE search_entry ALTER COLUMN head SET STORAGE EXTERNAL,"
            " ALTER COLUMN words SET STORAGE EXTERNAL, ALTER COLUMN pinyin SET STORAGE EXTERNAL"
        )
        schema_editor.execute("ALTER TABLE search_entry SET (toast_tuple_target = 128)")


def widen(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE search_entry ALTER COLUMN head SET STORAGE EXTENDED,"
            " ALTER COLUMN words SET STORAGE EXTENDED, ALTER COLUMN pinyin SET STORAGE EXTENDED"
        )
        schema_editor.execute("ALTER TABLE search_entry RESET (toast_tuple_target)")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_words_index")]

    operations = [migrations.RunPython(narrow, widen)]
