"""Renditions named by a random key of each photo's own instead of the original's hash, and a
photo desk's "public" mark. Renditions made under the old names are dropped with their files;
the renditions sweep (beat) remakes them under the new names, and documents then point at them
(`manage.py documents_rebuild --all` after upgrading, as always)."""

import secrets

from django.db import migrations, models

import media.models


def give_keys_and_retire_old_renditions(apps, schema_editor):
    from django.core.files.storage import default_storage

    Image = apps.get_model("media", "Image")
    Rendition = apps.get_model("media", "Rendition")
    for image in Image.objects.only("pk").iterator():
        Image.objects.filter(pk=image.pk).update(rendition_key=secrets.token_hex(16), renditions_ready=False)
    for name in Rendition.objects.values_list("file", flat=True).iterator():
        try:
            default_storage.delete(name)
        except Exception:  # a file already gone, or storage unreachable: the row goes anyway
            pass
    Rendition.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("media", "0005_agency_rights_defaults"),
    ]

    operations = [
        migrations.AddField(
            model_name="image",
            name="public",
            field=models.BooleanField(
                default=False,
                help_text="Readers may fetch its renditions even where no published article uses it (photos used by a published article are public anyway).",
                verbose_name="public",
            ),
        ),
        migrations.AddField(
            model_name="image",
            name="rendition_key",
            field=models.CharField(default=media.models.new_rendition_key, editable=False, max_length=32),
        ),
        migrations.RunPython(give_keys_and_retire_old_renditions, migrations.RunPython.noop),
    ]
