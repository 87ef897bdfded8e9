"""The index table of the database in use: an FTS5 table on SQLite, `tsvector`s on PostgreSQL.

Neither is a Django model (FTS5 is a virtual table; the vectors are written as literals), so
the tables are created here, by vendor; `manage.py search_rebuild` fills them.
"""

from django.db import migrations


# `doc` (title, summary and body) is large and stored out of line: only matching reads it, through
# its GIN index. Ranking and suggestions read `head` (title and summary) and `words`, kept in the
# row. A small pending list keeps new entries quick to find.
POSTGRESQL = [
    "CREATE TABLE IF NOT EXISTS search_entry ("
    " article_id bigint PRIMARY KEY, doc tsvector NOT NULL, head tsvector NOT NULL,"
    " words tsvector NOT NULL, pinyin tsvector NOT NULL)",
    "ALTER TABLE search_entry ALTER COLUMN head SET STORAGE MAIN, ALTER COLUMN words SET STORAGE MAIN",
    "CREATE INDEX IF NOT EXISTS search_entry_doc ON search_entry USING gin (doc) WITH (gin_pending_list_limit = 512)",
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
    table = "search_entry" if schema_editor.connection.vendor == "postgresql" else "search_fts"
    schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0013_search_boost")]

    operations = [migrations.RunPython(create, drop)]
