"""Give the newsroom roles their rights over photos."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "writer": [("image", ["add", "view"]), ("agency", ["view"])],
    "editor": [("image", ["add", "change", "delete", "view"]), ("agency", ["add", "change", "delete", "view"])],
    "photo_editor": [("image", ["add", "change", "delete", "view"]), ("agency", ["add", "change", "delete", "view"])],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for model, actions in grants:
            codenames = [f"{action}_{model}" for action in actions]
            group.permissions.add(*Permission.objects.filter(content_type__app_label="media", codename__in=codenames))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="media"))


class Migration(migrations.Migration):
    # The groups are made by whichever of this and articles' 0002_roles runs first (get_or_create).
    dependencies = [
        ("media", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
