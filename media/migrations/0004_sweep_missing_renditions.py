"""Schedule the sweep of photos still without renditions: every 5 minutes, editable in the admin."""

from django.db import migrations

NAME = "Make renditions a lost message left undone"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_5_minutes, _ = IntervalSchedule.objects.get_or_create(every=300, period="seconds")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={"task": "media.tasks.renditions_sweep_missing_task", "interval": every_5_minutes, "enabled": True},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("media", "0003_sweep_schedule")]

    operations = [migrations.RunPython(schedule, unschedule)]
