"""The stored document's columns in the order reads need them: what a list page reads first,
the detail's kilobytes last (SQLite keeps a row's columns in the declared order and reaches one
placed after a long column through that column's overflow pages).

Django has no operation that reorders columns: the fields leave the migration state and come back
at its end (state only), then SQLite's table is rebuilt from that state, the way Django itself
rebuilds a SQLite table for an altered field (every row copied, nothing re-rendered). PostgreSQL
keeps long values out of line, so its table is left as it is.
"""

from django.db import migrations, models


def rebuild_on_sqlite(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        # The schema editor's own table rebuild (what AlterField runs on SQLite): a new table in
        # the state's column order, the rows copied by name, the old one dropped.
        schema_editor._remake_table(apps.get_model("articles", "Document"))


MOVED = ("keys", "detail_head", "detail_tail")


class Migration(migrations.Migration):
    dependencies = [("articles", "0017_photographer")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                *[migrations.RemoveField("document", name) for name in MOVED],
                migrations.AddField("document", "keys", models.TextField(default="")),
                migrations.AddField("document", "detail_head", models.BinaryField()),
                migrations.AddField("document", "detail_tail", models.BinaryField()),
            ]
        ),
        migrations.RunPython(rebuild_on_sqlite, migrations.RunPython.noop, elidable=True),
    ]
