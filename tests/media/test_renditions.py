"""Renditions: made off the request path by the task, once on demand, never twice."""

import pytest
from rest_framework.test import APIClient

from media import selectors, services
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

    formats = selectors.formats()
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


def _publish_with(editor, image):
    from articles import services as article_services

    article = article_services.article_create(by=editor, title="用了这张图", lead_image=image)
    return article_services.article_publish(article_id=article.pk, by=editor)


def test_readers_get_renditions_only_of_photos_in_public_use(api, editor, photo_editor, writer, media_root):
    from articles import services as article_services

    unused = make_image(photo_editor, seed=1)
    drafted = make_image(photo_editor, seed=2)
    published = make_image(photo_editor, seed=3)
    marked = make_image(photo_editor, seed=4)
    article_services.article_create(by=writer, title="草稿", lead_image=drafted)
    _publish_with(editor, published)
    services.image_update(image_id=marked.pk, by=photo_editor, data={"public": True})
    for image in (unused, drafted, published, marked):
        services.renditions_generate(image_id=image.pk)
    staff = APIClient()
    staff.force_authenticate(writer)

    def status(client, image):
        return client.get(f"/api/v1/images/{image.pk}/renditions/640w.jpeg").status_code

    assert [status(api, i) for i in (unused, drafted, published, marked)] == [404, 404, 302, 302]
    assert [status(staff, i) for i in (unused, drafted, published, marked)] == [302] * 4
    # Not for shared caches unless readers may see it.
    assert staff.get(f"/api/v1/images/{unused.pk}/renditions/640w.jpeg")["Cache-Control"] == "private, no-store"
    assert "public" in api.get(f"/api/v1/images/{published.pk}/renditions/640w.jpeg")["Cache-Control"]


def test_a_missing_rendition_is_asked_of_the_workers_never_made_on_the_request(api, editor, photo_editor):
    from pathlib import Path

    from portal.celery import app

    image = make_image(photo_editor)
    _publish_with(editor, image)
    queue = Path(app.conf.broker_transport_options["data_folder_in"])
    before = set(queue.iterdir())

    answers = [api.get(f"/api/v1/images/{image.pk}/renditions/640w.webp") for _ in range(5)]

    assert {a.status_code for a in answers} == {503}
    assert all(int(a["Retry-After"]) > 0 and a["Cache-Control"] == "no-store" for a in answers)
    assert Rendition.objects.filter(image=image).count() == 0  # no photo was decoded in the web process
    new = set(queue.iterdir()) - before
    assert [m for m in _queued_files(new)] == [[image.pk]]  # asked once for five readers
    for f in new:
        f.unlink()
    services.renditions_generate(image_id=image.pk)
    made = api.get(f"/api/v1/images/{image.pk}/renditions/640w.webp")
    assert made.status_code == 302 and api.get(made["Location"]).status_code == 200


def _queued_files(files) -> list:
    import base64
    import json

    return [json.loads(base64.b64decode(json.loads(f.read_text())["body"]))[0] for f in files]


def test_rendition_files_are_not_named_by_the_originals_hash(photo_editor, media_root):
    image = make_image(photo_editor)
    other = make_image(photo_editor, seed=9)

    services.renditions_generate(image_id=image.pk)
    services.renditions_generate(image_id=other.pk)

    files = [r.file for r in Rendition.objects.filter(image=image)]
    assert files and not any(image.sha256 in f or image.sha256[:16] in f for f in files)
    assert all(image.rendition_key in f for f in files) and image.rendition_key != other.rendition_key
    assert len(image.rendition_key) == 32


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


def test_credentials_that_do_not_hold_read_as_a_reader_on_the_rendition_url(api, editor, photo_editor):
    published, unused = make_image(photo_editor, seed=5), make_image(photo_editor, seed=6)
    _publish_with(editor, published)
    for image in (published, unused):
        services.renditions_generate(image_id=image.pk)

    def status(image):
        return api.get(f"/api/v1/images/{image.pk}/renditions/640w.jpeg", HTTP_AUTHORIZATION="Token not-a-token")

    assert status(published).status_code == 302
    assert status(unused).status_code == 404
