"""Renditions: made off the request path by the task, once on demand, never twice."""

import threading

import pytest
from django.db import connection

from media import services
from media.models import Image, Rendition
from media.tasks import renditions_generate_task
from tests.media.factories import make_image

pytestmark = pytest.mark.django_db


def _files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_task_makes_every_rendition_once_and_is_idempotent(photo_editor, media_root):
    image = make_image(photo_editor)

    made = renditions_generate_task.apply(args=[image.pk]).get()
    again = renditions_generate_task.apply(args=[image.pk]).get()

    formats = services.selectors.formats()
    assert made == 6 * len(formats)
    assert again == 0
    image.refresh_from_db()
    assert image.renditions_ready
    assert Rendition.objects.filter(image=image).count() == 6 * len(formats)
    assert len(_files(media_root)) == 1 + 6 * len(formats)


def test_task_for_a_deleted_image_returns_quietly():
    assert renditions_generate_task.apply(args=[987654]).get() == 0


def test_upload_enqueues_the_task_after_commit_as_a_json_message(
    photo_api, django_capture_on_commit_callbacks, settings
):
    import base64
    import json
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.celery import app
    from tests.media.images import photo

    queue = Path(app.conf.broker_transport_options["data_folder_in"])
    before = set(queue.iterdir())

    with django_capture_on_commit_callbacks(execute=True):
        response = photo_api.post(
            "/api/v1/editor/images/", {"file": SimpleUploadedFile("a.jpg", photo())}, format="multipart"
        )

    assert Rendition.objects.count() == 0  # nothing was resized on the request
    (message_file,) = set(queue.iterdir()) - before
    message = json.loads(message_file.read_text())
    assert message["headers"]["task"] == "media.tasks.renditions_generate_task"
    assert json.loads(base64.b64decode(message["body"]))[0] == [response.json()["id"]]
    message_file.unlink()


def test_rendition_endpoint_makes_a_missing_one_once_and_redirects(api, photo_editor, media_root):
    image = make_image(photo_editor)

    first = api.get(f"/api/v1/images/{image.pk}/renditions/640w.webp")
    second = api.get(f"/api/v1/images/{image.pk}/renditions/640w.webp")

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert first["Location"].endswith(f"{image.sha256}-640w.webp")
    assert Rendition.objects.filter(image=image).count() == 1
    assert api.get(first["Location"]).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "999999/renditions/640w.jpeg",
        "{id}/renditions/9000w.jpeg",
        "{id}/renditions/640w.bmp",
        "{id}/renditions/..%2F..%2Fetc.jpeg",
    ],
)
def test_rendition_endpoint_refuses_unknown_names_with_404(api, photo_editor, path):
    image = make_image(photo_editor)

    response = api.get("/api/v1/images/" + path.format(id=image.pk))

    assert response.status_code == 404
    assert Rendition.objects.count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_requests_make_a_missing_rendition_once(photo_editor, media_root):
    if connection.vendor != "postgresql":
        pytest.skip("row locks across threads need PostgreSQL (DATABASE_URL); SQLite serialises writers itself")
    image = make_image(photo_editor)
    results, errors = [], []

    def fetch():
        try:
            results.append(services.rendition_get_or_create(image_id=image.pk, name="square", kind="jpeg").pk)
        except Exception as error:  # collected for the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(results)) == 1
    assert Rendition.objects.filter(image=image, name="square", format="jpeg").count() == 1
    assert len([f for f in _files(media_root) if "square" in f]) == 1


def test_new_focal_point_remakes_crops_under_a_new_name(photo_api, photo_editor, media_root):
    image = make_image(photo_editor)
    services.renditions_generate(image_id=image.pk)
    old_square = Rendition.objects.get(image=image, name="square", format="jpeg").file

    response = photo_api.patch(f"/api/v1/editor/images/{image.pk}/", {"focal_x": 0.1, "focal_y": 0.2}, format="json")
    services.renditions_generate(image_id=image.pk)

    assert response.status_code == 200
    new_square = Rendition.objects.get(image=image, name="square", format="jpeg").file
    assert new_square != old_square and new_square.endswith("-square-1020.jpg")
    assert Rendition.objects.get(image=image, name="320w", format="jpeg")  # width renditions kept
    assert Image.objects.get(pk=image.pk).renditions_ready
