"""Uploading photos through the editor API: accepted, deduplicated, prefilled, and bad files refused."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from media.models import Agency, Image
from tests.media.images import photo, with_xmp

pytestmark = pytest.mark.django_db

URL = "/api/v1/editor/images/"


def _upload(client, data: bytes, name: str = "photo.jpg", **fields):
    return client.post(URL, {"file": SimpleUploadedFile(name, data), **fields}, format="multipart")


def _files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_upload_stores_under_content_hash_with_credit_fields(photo_api, media_root):
    agency = Agency.objects.create(name="新华社")

    response = _upload(
        photo_api,
        photo(1200, 800),
        name="../../etc/passwd.jpg",
        alt="巴库街景",
        caption="当地时间8月18日",
        creator="张三",
        agency=agency.pk,
        license="agency",
        copyright="© 新华社",
        rights_expire_at="2030-01-01T00:00:00+08:00",
    )

    assert response.status_code == 201
    data = response.json()
    image = Image.objects.get()
    assert image.file == f"images/{image.sha256[:2]}/{image.sha256}.jpg"
    assert _files(media_root) == [image.file]
    assert (data["width"], data["height"], data["format"]) == (1200, 800, "jpeg")
    assert data["credit"] == {
        "line": "新华社记者 张三 摄",
        "creator": "张三",
        "agency": "新华社",
        "copyright": "© 新华社",
        "license": "agency",
    }
    assert data["rights_expire_at"] == "2030-01-01T00:00:00+08:00"
    names = {(r["name"], r["format"]) for r in data["renditions"]}
    assert ("320w", "jpeg") in names and ("social", "webp") in names
    first = data["renditions"][0]
    assert set(first) == {"name", "width", "height", "format", "url"}


def test_same_bytes_twice_give_the_same_image(photo_api, media_root):
    data = photo(640, 480)

    first = _upload(photo_api, data, name="a.jpg")
    second = _upload(photo_api, data, name="b.png")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Image.objects.count() == 1
    assert len(_files(media_root)) == 1


def test_format_is_judged_by_content_not_the_extension(photo_api):
    response = _upload(photo_api, photo(300, 200, fmt="PNG"), name="really-a-png.jpg")

    assert response.status_code == 201
    assert response.json()["format"] == "png"
    assert Image.objects.get().file.endswith(".png")


def test_credits_in_the_file_fill_blank_fields(photo_api):
    data = with_xmp(photo(), creator="李四", rights="© 澎湃影像", caption="巴库夜景", credit="澎湃影像")

    response = _upload(photo_api, data, caption="编辑写的图说")

    body = response.json()
    assert body["creator"] == "李四"
    assert body["copyright"] == "© 澎湃影像"
    assert body["credit"]["line"] == "澎湃影像"
    assert body["caption"] == "编辑写的图说"


def _bomb() -> bytes:
    from tests.media.test_imaging import _png_bomb

    return _png_bomb(20000, 20000)


def _animated() -> bytes:
    frames = [PILImage.new("P", (120, 80), color) for color in range(300)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=10)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data, name, status",
    [
        (b"", "empty.jpg", 400),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 200, "header-only.jpg", 415),
        (bytes(range(256)) * 40, "random.jpg", 415),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "logo.svg", 415),
        (b"<html><script>alert(1)</script></html>", "page.jpg", 415),
        (b"GIF89a<script>alert(1)</script>", "x.gif", 415),
        (photo(64, 64, fmt="TIFF"), "scan.tiff", 415),
        (None, "bomb.png", 413),
    ],
)
def test_bad_files_are_refused_and_leave_nothing_behind(photo_api, media_root, data, name, status):
    if data is None:
        data = _bomb()

    response = _upload(photo_api, data, name=name)

    assert response.status_code == status
    assert "detail" in response.json()
    assert not Image.objects.exists()
    assert _files(media_root) == []


def test_truncated_real_jpeg_is_refused(photo_api, media_root):
    data = photo(1000, 800)

    response = _upload(photo_api, data[: len(data) * 2 // 3])

    assert response.status_code == 400
    assert _files(media_root) == []


def test_animated_gif_is_accepted_by_its_first_frame(photo_api):
    response = _upload(photo_api, _animated(), name="anim.gif")

    assert response.status_code == 201
    assert (response.json()["width"], response.json()["height"]) == (120, 80)


def test_upload_over_the_byte_limit_is_413(photo_api, settings, media_root):
    settings.MEDIA_MAX_BYTES = 10_000

    response = _upload(photo_api, photo(1200, 900, quality=95))

    assert response.status_code == 413
    assert not Image.objects.exists()
    assert _files(media_root) == []


def test_request_body_far_over_the_limit_is_refused_before_reading(photo_api, settings):
    settings.MEDIA_MAX_BYTES = 10_000

    response = photo_api.generic("POST", URL, data=b"x" * 3_000_000, content_type="multipart/form-data; boundary=zzz")

    assert response.status_code == 413


def test_missing_file_is_400(photo_api):
    response = photo_api.post(URL, {"alt": "无文件"}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()


def test_bad_credit_fields_are_400(photo_api):
    response = _upload(photo_api, photo(), license="stolen", rights_expire_at="soon", focal_x="2")

    assert response.status_code == 400
    assert {"license", "rights_expire_at", "focal_x"} <= set(response.json())
    assert not Image.objects.exists()


def test_writers_may_upload_but_only_photo_editors_change_rights(writer_api, photo_api):
    image_id = _upload(writer_api, photo()).json()["id"]

    refused = writer_api.patch(f"{URL}{image_id}/", {"copyright": "mine"}, format="json")
    allowed = photo_api.patch(f"{URL}{image_id}/", {"copyright": "© 澎湃影像", "focal_x": 0.2}, format="json")

    assert refused.status_code == 403
    assert allowed.status_code == 200
    assert not Image.objects.filter(copyright="mine").exists()  # the refusal changed nothing
    assert allowed.json()["copyright"] == "© 澎湃影像"
    assert Image.objects.get().focal_x == 0.2


def test_anonymous_cannot_upload(api):
    assert _upload(api, photo()).status_code == 401


def test_the_photographer_author_is_read_written_and_cleared_through_the_api(photo_api, media_root):
    from articles.models import Photographer
    from tests.articles.factories import AuthorFactory

    staff = AuthorFactory(name="摄影部 李明")
    made = _upload(photo_api, photo(seed=11), creator_author=str(staff.pk)).json()
    assert made["creator_author"] == staff.pk
    assert Photographer.objects.get(image_id=made["id"]).author == staff

    listed = photo_api.get(URL).json()["results"]
    assert [item["creator_author"] for item in listed if item["id"] == made["id"]] == [staff.pk]

    unknown = photo_api.patch(f"{URL}{made['id']}/", {"creator_author": 999999}, format="json")
    assert unknown.status_code == 400 and "creator_author" in unknown.json()
    assert Photographer.objects.get(image_id=made["id"]).author == staff  # nothing changed

    cleared = photo_api.patch(f"{URL}{made['id']}/", {"creator_author": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["creator_author"] is None
    assert not Photographer.objects.filter(image_id=made["id"]).exists()


def test_deleting_an_author_forgets_the_photos_they_took_not_the_photos(photo_api, editor, media_root):
    from articles import services as article_services
    from articles.models import Author

    staff = Author.objects.create(name="离职的摄影记者", slug="left")
    made = _upload(photo_api, photo(seed=12), creator_author=str(staff.pk)).json()

    article_services.taxonomy_delete(instance=staff, by=editor)

    assert photo_api.get(f"{URL}{made['id']}/").json()["creator_author"] is None
    assert Image.objects.filter(pk=made["id"]).exists()
