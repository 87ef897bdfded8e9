"""A killed worker's rendition job is redone soon, once (defect 13.8)."""

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from media import services
from media.models import Image
from media.tasks import renditions_generate_task
from portal.celery import app
from tests.media.factories import make_image

pytestmark = pytest.mark.django_db


def test_work_of_a_killed_worker_returns_to_the_queue_well_within_an_hour():
    assert settings.CELERY_TASK_TIME_LIMIT < settings.CELERY_VISIBILITY_TIMEOUT <= 10 * 60
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert renditions_generate_task.acks_late is True
    assert app.conf.task_reject_on_worker_lost is True


def _queued(queue: Path, before: set) -> list[tuple[str, list]]:
    found = []
    for message_file in set(queue.iterdir()) - before:
        message = json.loads(message_file.read_text())
        found.append((message["headers"]["task"], json.loads(base64.b64decode(message["body"]))[0]))
        message_file.unlink()
    return found


def test_the_sweep_enqueues_photos_left_without_renditions(photo_editor, media_root):
    lost = make_image(photo_editor, seed=1)
    fresh = make_image(photo_editor, seed=2)
    expired = make_image(photo_editor, seed=3)
    long_ago = timezone.now() - timedelta(minutes=10)
    Image.objects.filter(pk__in=[lost.pk, expired.pk]).update(uploaded_at=long_ago)
    Image.objects.filter(pk=expired.pk).update(rights_expire_at=timezone.now() - timedelta(minutes=1))
    queue = Path(app.conf.broker_transport_options["data_folder_in"])
    before = set(queue.iterdir())

    swept = services.renditions_sweep_missing()

    assert swept == 1
    assert _queued(queue, before) == [("media.tasks.renditions_generate_task", [lost.pk])]
    assert fresh.pk != lost.pk
    renditions_generate_task.apply(args=[lost.pk]).get()
    assert Image.objects.get(pk=lost.pk).renditions_ready
    assert services.renditions_sweep_missing() == 0
