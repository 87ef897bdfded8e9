"""Editors manage pins and exclusions; every role may look at the rails."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editor, _ = Group.objects.get_or_create(name="editor")
    editor.permissions.add(*Permission.objects.filter(
        content_type__app_label="trending", codename__regex=r"^(add|change|delete|view)_(pin|exclusion)$"
    ))
    for name in ("editor", "writer", "photo_editor"):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="trending",
                                                         codename="view_snapshot"))


class Migration(migrations.Migration):
    dependencies = [("trending", "0002_schedule"), ("articles", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
