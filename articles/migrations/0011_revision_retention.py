"""Revision retention: an index to find old revisions, and its daily beat task (editable in the admin)."""

from django.db import migrations, models

PRUNE = "Thin out old revisions"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    daily, _ = IntervalSchedule.objects.get_or_create(every=1, period="days")
    PeriodicTask.objects.get_or_create(
        name=PRUNE, defaults={"task": "articles.tasks.revisions_prune_task", "interval": daily, "enabled": True}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=PRUNE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_document_item_keys"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="revision",
            index=models.Index(fields=["created_at", "article"], name="revision_created"),
        ),
        migrations.RunPython(schedule, unschedule),
    ]
