"""Bylines keep the author's outlet at the time of writing; existing ones take the author's
affiliation today (the best record there is of it)."""

import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    Byline = apps.get_model("articles", "Byline")
    Author = apps.get_model("articles", "Author")
    for author_id, outlet_id in Author.objects.exclude(affiliation=None).values_list("id", "affiliation_id"):
        Byline.objects.filter(author_id=author_id, outlet=None).update(outlet_id=outlet_id)


class Migration(migrations.Migration):
    dependencies = [("articles", "0014_public_by_id_index")]

    operations = [
        migrations.AddField(
            model_name="byline",
            name="outlet",
            field=models.ForeignKey(
                blank=True,
                help_text="The author's outlet at the time of writing.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="articles.outlet",
                verbose_name="outlet",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
