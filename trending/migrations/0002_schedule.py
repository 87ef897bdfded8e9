"""The rail's periodic tasks, in the admin-editable schedule (django-celery-beat)."""

from django.db import migrations

TASKS = [
    ("Refresh trending rails", "trending.tasks.trending_refresh_task", 15),
    ("Flush view counts to articles", "trending.tasks.view_counts_flush_task", 60),
    ("Rebase and prune trending scores", "trending.tasks.trending_maintain_task", 3600),
]


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, seconds in TASKS:
        every, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": every, "enabled": True})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[t[0] for t in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("trending", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
