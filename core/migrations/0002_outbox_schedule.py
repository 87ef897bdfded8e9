"""Schedule the outbox sweep (every 10 s) and its pruning (daily), editable in the admin."""

from django.db import migrations

SWEEP = "Relay change events left pending"
PRUNE = "Prune relayed change events"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_10_seconds, _ = IntervalSchedule.objects.get_or_create(every=10, period="seconds")
    daily, _ = IntervalSchedule.objects.get_or_create(every=1, period="days")
    PeriodicTask.objects.get_or_create(
        name=SWEEP, defaults={"task": "core.tasks.outbox_relay_task", "interval": every_10_seconds, "enabled": True}
    )
    PeriodicTask.objects.get_or_create(
        name=PRUNE, defaults={"task": "core.tasks.outbox_prune_task", "interval": daily, "enabled": True}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[SWEEP, PRUNE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
