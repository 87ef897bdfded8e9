"""Create the newsroom roles as groups with their model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "writer": [
        ("articles", "article", ["add", "change", "view"]),
        ("articles", "byline", ["add", "change", "delete", "view"]),
        ("articles", "block", ["add", "change", "delete", "view"]),
        ("articles", "author", ["view"]),
        ("articles", "section", ["view"]),
        ("articles", "tag", ["view"]),
        ("articles", "outlet", ["view"]),
    ],
    "editor": [
        ("articles", model, ["add", "change", "delete", "view"])
        for model in ("article", "byline", "block", "relatedpick", "correction", "author", "section", "tag", "outlet")
    ],
    "photo_editor": [
        ("articles", "article", ["view"]),
        ("articles", "author", ["view"]),
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally made after migrate; this migration needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, model, actions in grants:
            codenames = [f"{action}_{model}" for action in actions]
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
