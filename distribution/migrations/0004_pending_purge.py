"""The CDN purge queue, moved here from core (core.0008): the same table, `core_pendingpurge`,
now distribution's model; no data moves."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0003_delivery_order"),
        ("core", "0008_pending_purge_moves_to_distribution"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PendingPurge",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("key", models.CharField(max_length=500, unique=True, verbose_name="key")),
                        ("queued_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="queued at")),
                        ("attempts", models.PositiveIntegerField(default=0, verbose_name="attempts")),
                        (
                            "next_attempt_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="next attempt at"),
                        ),
                        ("last_error", models.CharField(blank=True, max_length=500, verbose_name="last error")),
                    ],
                    options={
                        "verbose_name": "pending CDN purge",
                        "verbose_name_plural": "pending CDN purges",
                        "db_table": "core_pendingpurge",
                        "ordering": ["next_attempt_at"],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
