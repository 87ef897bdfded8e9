"""Uploads and renditions in S3-compatible object storage (MEDIA_STORAGE_URL), against a local
server the test starts (moto's server mode), as every host of a deployment shares it."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from bench import s3
from core.storage import storages_for
from media import services
from media.models import Image, Rendition
from media.selectors import rendition_list
from media.tasks import renditions_generate_task
from tests.media.factories import make_image

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


@pytest.fixture(scope="module")
def s3_endpoint():
    with s3.moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def bucket(s3_endpoint, settings, media_root):
    name = f"portal-{uuid.uuid4().hex[:8]}"
    client = s3.client(s3_endpoint)
    settings.STORAGES = storages_for(s3.storage_url(s3_endpoint, name, prefix="newsroom"))

    def keys() -> set[str]:
        listed = client.list_objects_v2(Bucket=name).get("Contents", [])
        return {item["Key"] for item in listed}

    return client, name, keys


def test_uploads_and_renditions_go_to_the_bucket_and_urls_come_from_media_url(
    bucket, photo_editor, media_root, settings
):
    client, name, keys = bucket
    settings.MEDIA_URL = "https://img.example.cn/"

    image = make_image(photo_editor)
    made = renditions_generate_task.apply(args=[image.pk]).get()

    image.refresh_from_db()
    stored = keys()
    assert f"newsroom/{image.file}" in stored
    renditions = list(Rendition.objects.filter(image=image))
    assert made == len(renditions) > 0
    assert {f"newsroom/{r.file}" for r in renditions} <= stored
    assert not media_root.exists() or not any(media_root.rglob("*.*"))  # nothing on this host's disk
    urls = [item["url"] for item in rendition_list(image)]
    assert urls and all(url.startswith("https://img.example.cn/renditions/") for url in urls)
    body = client.get_object(Bucket=name, Key=f"newsroom/{renditions[0].file}")["Body"].read()
    assert body[:4] in (b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb", b"RIFF") or b"ftypavif" in body[:32]


def test_this_site_serves_renditions_from_the_bucket_and_never_originals(bucket, photo_editor, settings):
    client, name, _ = bucket
    settings.MEDIA_URL = "/uploads/"
    image = make_image(photo_editor)
    renditions_generate_task.apply(args=[image.pk]).get()
    rendition = Rendition.objects.filter(image=image, format="jpeg").first()

    served = Client().get(f"/uploads/{rendition.file}")
    missing = Client().get("/uploads/renditions/ab/not-there.jpg")
    original = Client().get(f"/uploads/{image.file}")

    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "public, max-age=31536000, immutable"
    assert (
        b"".join(served.streaming_content)
        == client.get_object(Bucket=name, Key=f"newsroom/{rendition.file}")["Body"].read()
    )
    assert missing.status_code == 404
    assert original.status_code == 404


def test_the_rights_expiry_sweep_deletes_the_renditions_from_the_bucket(
    bucket, photo_editor, django_capture_on_commit_callbacks
):
    _, _, keys = bucket
    image = make_image(photo_editor)
    renditions_generate_task.apply(args=[image.pk]).get()
    names = [f"newsroom/{r.file}" for r in Rendition.objects.filter(image=image)]
    kept = make_image(photo_editor, seed=3)
    renditions_generate_task.apply(args=[kept.pk]).get()
    kept_names = {f"newsroom/{r.file}" for r in Rendition.objects.filter(image=kept)}
    Image.objects.filter(pk=image.pk).update(rights_expire_at=timezone.now() - timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        swept = services.images_sweep_expired()

    stored = keys()
    assert swept == 1
    assert names and not set(names) & stored
    assert f"newsroom/{image.file}" in stored  # the original stays, for the archive
    assert kept_names <= stored


def test_a_storage_address_that_is_not_s3_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    for url in ("ftp://bucket", "s3://", "s3://bucket?endpoint=http://x&colour=red"):
        with pytest.raises(ImproperlyConfigured):
            storages_for(url)
