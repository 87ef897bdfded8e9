"""The index table of the database in use: an FTS5 table on SQLite, `tsvector`s on PostgreSQL.

Neither is a Django model (FTS5 is a virtual table; the vectors are written as literals), so
the tables are created here, by vendor; `manage.py search_rebuild` fills them.
"""

from django.db import migrations


# `search_doc` holds the whole text for matching (and each CJK character once, so that a single
# character typed alone is one index entry, not every pair it begins) and is only read through
# its GIN indexes; its
# rows are narrow (the vector lives out of line), so visiting the rows a common word matches is
# cheap. `search_entry` holds what ranking and suggestions read: the title and summary (`head`),
# the segmenter's words and the title's pinyin. Small pending lists keep new entries quick to find.
POSTGRESQL = [
    "CREATE TABLE IF NOT EXISTS search_doc ("
    " article_id bigint PRIMARY KEY, doc tsvector NOT NULL, chars tsvector NOT NULL)",
    # Both vectors out of line whatever their size: the rows a match visits stay a few dozen bytes.
    "ALTER TABLE search_doc ALTER COLUMN doc SET STORAGE EXTERNAL, ALTER COLUMN chars SET STORAGE EXTERNAL",
    "ALTER TABLE search_doc SET (toast_tuple_target = 128)",
    "CREATE INDEX IF NOT EXISTS search_doc_doc ON search_doc USING gin (doc) WITH (gin_pending_list_limit = 512)",
    "CREATE INDEX IF NOT EXISTS search_doc_chars ON search_doc USING gin (chars) WITH (gin_pending_list_limit = 256)",
    "CREATE TABLE IF NOT EXISTS search_entry ("
    " article_id bigint PRIMARY KEY, head tsvector NOT NULL, words tsvector NOT NULL, pinyin tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS search_entry_head ON search_entry USING gin (head) WITH (gin_pending_list_limit = 256)",
    "CREATE INDEX IF NOT EXISTS search_entry_pinyin ON search_entry USING gin (pinyin)"
    " WITH (gin_pending_list_limit = 256)",
]
# A prefix index of one character serves a single Chinese character typed alone (a prefix of the
# pairs); longer prefixes (Latin words, pinyin being typed) walk the index's term list instead:
# a prefix index of two or three characters would copy every pair again.
SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(title, summary, body, words, pinyin,"
    " tokenize = 'unicode61 remove_diacritics 0', prefix = '1')"
]


def create(apps, schema_editor):
    for statement in POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    tables = ["search_doc", "search_entry"] if schema_editor.connection.vendor == "postgresql" else ["search_fts"]
    for table in tables:
        schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0013_search_boost")]

    operations = [migrations.RunPython(create, drop)]
