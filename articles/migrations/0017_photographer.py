"""An image's link to the author who took it moves here from media (media.Image.creator_author),
so the photo library points at nothing above it. A database made before keeps the old column:
its links are copied, then the column goes."""

import django.db.models.deletion
from django.db import migrations, models

OLD_COLUMN = "creator_author_id"


def _has_old_column(schema_editor, table: str) -> bool:
    with schema_editor.connection.cursor() as cursor:
        columns = schema_editor.connection.introspection.get_table_description(cursor, table)
    return any(column.name == OLD_COLUMN for column in columns)


def move_links(apps, schema_editor):
    Image = apps.get_model("media", "Image")
    Photographer = apps.get_model("articles", "Photographer")
    table = Image._meta.db_table
    if not _has_old_column(schema_editor, table):
        return  # a database made after the move: nothing to copy
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"INSERT INTO {quote(Photographer._meta.db_table)} (image_id, author_id) "
        f"SELECT id, {quote(OLD_COLUMN)} FROM {quote(table)} WHERE {quote(OLD_COLUMN)} IS NOT NULL"
    )
    if schema_editor.connection.vendor == "sqlite":
        # SQLite drops no column under a foreign key: the table is made again from the model,
        # which no longer has it (Django's own way for SQLite, used by its AlterField).
        schema_editor._remake_table(Image)
    else:
        schema_editor.execute(f"ALTER TABLE {quote(table)} DROP COLUMN {quote(OLD_COLUMN)}")

class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0016_created_by_labels"),
        ("media", "0005_agency_rights_defaults"),
    ]

    operations = [
        migrations.CreateModel(
            name="Photographer",
            fields=[
                (
                    "image",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="photographer",
                        serialize=False,
                        to="media.image",
                        verbose_name="photo",
                    ),
                ),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="photos",
                        to="articles.author",
                        verbose_name="photographer (author)",
                    ),
                ),
            ],
            options={"verbose_name": "photographer (author)", "verbose_name_plural": "photographers (authors)"},
        ),
        migrations.RunPython(move_links, migrations.RunPython.noop),
    ]
