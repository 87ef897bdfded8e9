"""The CDN purge queue moves to distribution (distribution.0004): the table stays, only the
model's home changes; so does the beat entry's task name."""

from django.db import migrations


def rename_task(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task="core.tasks.purge_flush_task").update(task="distribution.tasks.purge_flush_task")


def rename_task_back(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task="distribution.tasks.purge_flush_task").update(task="core.tasks.purge_flush_task")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_pending_purge_url"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PendingPurge")], database_operations=[]
        ),
        migrations.RunPython(rename_task, rename_task_back),
    ]
