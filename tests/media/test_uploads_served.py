"""Only renditions are served from uploads/, however the path is spelled (defect 13.6)."""

import pytest
from django.test import Client

from media.models import Rendition
from media.tasks import renditions_generate_task
from tests.media.factories import make_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo_with_renditions(photo_editor, media_root):
    image = make_image(photo_editor)
    renditions_generate_task.apply(args=[image.pk]).get()
    return image


def test_a_rendition_is_served_as_an_image_that_browsers_must_not_sniff(photo_with_renditions):
    rendition = Rendition.objects.filter(image=photo_with_renditions, format="jpeg").first()

    response = Client().get(f"/uploads/{rendition.file}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == "inline"


@pytest.mark.parametrize(
    "template",
    [
        "/uploads/{original}",
        "/uploads/renditions/../{original}",
        "/uploads/renditions/%2e%2e/{original}",
        "/uploads/renditions/%2E%2E/{original}",
        "/uploads/renditions/./../{original}",
        "/uploads/renditions//..//{original}",
        "/uploads/renditions/ab/../../{original}",
        "/uploads/renditions/..%2f{original}",
        "/uploads/renditions/..%5c{original}",
        "/uploads/renditions/%00/../{original}",
    ],
)
def test_the_original_is_never_served_whatever_the_path(photo_with_renditions, media_root, template):
    original = photo_with_renditions.file
    assert (media_root / original).exists()

    response = Client().get(template.format(original=original))

    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 404
    assert not body.startswith(b"\xff\xd8")  # no JPEG came back


def test_other_files_under_renditions_are_not_served_as_html_or_svg(media_root):
    folder = media_root / "renditions" / "ab"
    folder.mkdir(parents=True)
    (folder / "page.html").write_text("<script>alert(1)</script>")
    (folder / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')

    assert Client().get("/uploads/renditions/ab/page.html").status_code == 404
    assert Client().get("/uploads/renditions/ab/logo.svg").status_code == 404
