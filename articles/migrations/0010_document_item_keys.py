"""Documents name everything they show (photos, agencies, outlets) and where they sit in lists."""

from django.db import migrations, models
from django.utils import timezone


def expire_documents(apps, schema_editor):
    # Rendered before their list items had keys: each renders anew on its next read.
    apps.get_model("articles", "Document").objects.update(valid_until=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="item_keys",
            field=models.TextField(default=""),
        ),
        migrations.AddField(
            model_name="document",
            name="list_signature",
            field=models.CharField(default="", max_length=32),
        ),
        migrations.AlterField(
            model_name="document",
            name="keys",
            field=models.TextField(default=""),
        ),
        migrations.RunPython(expire_documents, migrations.RunPython.noop),
    ]
