"""Rights and uses: expired photos vanish from every public answer; used photos cannot be deleted."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from articles import documents
from articles import services as article_services
from articles.models import Article
from core import api_cache
from media import services
from media.models import Image, Rendition
from tests.articles.factories import ArticleFactory, AuthorFactory
from tests.media.factories import make_image

pytestmark = pytest.mark.django_db


def _article_with_photo(editor, image, **fields):
    article = article_services.article_create(
        by=editor,
        title="配图新闻",
        lead_image=image,
        body=[
            {"type": "paragraph", "text": "正文第一段。"},
            {"type": "image", "image": image, "text": "当地时间8月18日，普京抵达巴库。"},
        ],
        **fields,
    )
    article_services.article_publish(article_id=article.pk, by=editor)
    return article


def test_image_block_and_lead_image_show_caption_and_credit(api, editor, photo_editor):
    image = make_image(photo_editor, caption="图库图说", credit_line="澎湃影像", alt="巴库")
    article = _article_with_photo(editor, image)

    data = api.get(f"/api/v1/articles/{article.pk}/").json()

    block = data["body"][1]
    assert block["type"] == "image"
    assert block["caption"] == "当地时间8月18日，普京抵达巴库。"
    assert block["credit"] == "澎湃影像"
    assert set(block["image"]) == {"id", "width", "height", "alt", "caption", "credit", "renditions"}
    assert data["lead_image"]["caption"] == "图库图说"  # the use has no caption of its own
    assert data["lead_image"]["credit"]["line"] == "澎湃影像"
    listed = api.get("/api/v1/articles/").json()["results"][0]
    assert listed["lead_image"]["id"] == image.pk
    assert data["summary"] == "正文第一段。"  # never the caption


def test_expired_photo_disappears_from_every_public_answer(api, editor, photo_editor):
    image = make_image(photo_editor, rights_expire_at=timezone.now() - timedelta(minutes=1))
    article = _article_with_photo(editor, image)

    detail = api.get(f"/api/v1/articles/{article.pk}/").json()
    listed = api.get("/api/v1/articles/").json()["results"][0]

    assert detail["lead_image"] is None
    assert [block["type"] for block in detail["body"]] == ["paragraph"]
    assert listed["lead_image"] is None
    assert api.get(f"/api/v1/images/{image.pk}/renditions/320w.jpeg").status_code == 404


def test_cached_answers_and_documents_do_not_outlive_the_rights(api, editor, photo_editor, settings, time_machine):
    settings.API_LOCAL_CACHE_SECONDS = 0
    time_machine.move_to(timezone.now(), tick=False)  # a fake clock: a busy machine cannot race it
    ends = timezone.now() + timedelta(seconds=1.5)
    image = make_image(photo_editor, rights_expire_at=ends)
    article = _article_with_photo(editor, image)
    url = f"/api/v1/articles/{article.pk}/"
    assert api.get(url).json()["lead_image"] is not None
    assert api.get("/api/v1/articles/").json()["results"][0]["lead_image"] is not None
    assert api.get(url).json()["lead_image"] is not None  # from the cache now

    # The rights end as time passes: no worker, no edit, no purge.
    time_machine.shift(timedelta(seconds=1.5))  # to the second the rights end

    assert api.get(url).json()["lead_image"] is None
    assert api.get("/api/v1/articles/").json()["results"][0]["lead_image"] is None


def test_generation_ends_at_the_next_expiry(photo_editor):
    soon = timezone.now() + timedelta(minutes=30)
    make_image(photo_editor, rights_expire_at=soon)
    make_image(photo_editor, seed=3, rights_expire_at=soon + timedelta(days=1))

    token, valid_until = api_cache.invalidate()

    assert valid_until == pytest.approx(soon.timestamp())


def test_sweep_removes_renditions_of_expired_photos(photo_editor, media_root, django_capture_on_commit_callbacks):
    image = make_image(photo_editor, rights_expire_at=timezone.now() + timedelta(hours=1))
    services.renditions_generate(image_id=image.pk)
    kept = make_image(photo_editor, seed=5)
    services.renditions_generate(image_id=kept.pk)

    with django_capture_on_commit_callbacks(execute=True):
        swept = services.images_sweep_expired(now=timezone.now() + timedelta(hours=2))

    assert swept == 1
    assert not Rendition.objects.filter(image=image).exists()
    assert Rendition.objects.filter(image=kept).exists()
    assert not [p for p in media_root.rglob(f"*{image.sha256}-*")]
    assert not Image.objects.get(pk=image.pk).renditions_ready


def test_image_in_use_cannot_be_deleted_and_lists_its_uses(photo_api, editor, photo_editor, media_root):
    image = make_image(photo_editor)
    article = _article_with_photo(editor, image)
    author = AuthorFactory(avatar=image)

    response = photo_api.delete(f"/api/v1/editor/images/{image.pk}/")

    assert response.status_code == 409
    kinds = sorted(use["kind"] for use in response.json()["uses"])
    assert kinds == ["article body", "author avatar", "lead image"]
    assert Image.objects.filter(pk=image.pk).exists()
    assert (media_root / image.file).exists()
    listed = photo_api.get(f"/api/v1/editor/images/{image.pk}/").json()["uses"]
    assert {use["label"] for use in listed} == {f"《{article.title}》", author.name}


def test_unused_image_is_deleted_with_its_files(
    photo_api, photo_editor, media_root, django_capture_on_commit_callbacks
):
    image = make_image(photo_editor)
    services.renditions_generate(image_id=image.pk)

    with django_capture_on_commit_callbacks(execute=True):
        response = photo_api.delete(f"/api/v1/editor/images/{image.pk}/")

    assert response.status_code == 204
    assert not Image.objects.exists() and not Rendition.objects.exists()
    assert [p for p in media_root.rglob("*") if p.is_file()] == []


def test_image_block_needs_an_existing_image(editor_api):
    response = editor_api.post(
        "/api/v1/editor/articles/", {"title": "x", "body": [{"type": "image", "image": 424242}]}, format="json"
    )
    missing = editor_api.post("/api/v1/editor/articles/", {"title": "x", "body": [{"type": "image"}]}, format="json")

    assert response.status_code == missing.status_code == 400
    assert not Article.objects.exists()


def test_query_counts_stay_fixed_with_photos(api, editor, photo_editor, django_assert_max_num_queries):
    images = [make_image(photo_editor, seed=i, width=400, height=300) for i in range(4)]
    for index in range(12):
        article = ArticleFactory(lead_image=images[index % 4])
        for position, image in enumerate(images):
            article.blocks.create(position=position, type="image", image=image, text=f"图{position}")
    documents.documents_rebuild()

    with django_assert_max_num_queries(3):
        listed = api.get("/api/v1/articles/?page_size=100").json()["results"]
    with django_assert_max_num_queries(1):
        detail = api.get(f"/api/v1/articles/{article.pk}/").json()

    assert all(item["lead_image"] for item in listed)
    assert len(detail["body"]) == 4


def test_admin_refuses_to_delete_an_image_in_use(editor, photo_editor):
    image = make_image(photo_editor)
    _article_with_photo(editor, image)
    client = Client()
    client.force_login(editor)

    response = client.post(f"/admin/media/image/{image.pk}/delete/", {"post": "yes"}, follow=True)

    assert Image.objects.filter(pk=image.pk).exists()
    page = response.content.decode()
    assert "配图新闻" in page


def test_admin_expiry_filter_lists_photos_expiring_within_7_days(photo_editor):
    soon = make_image(photo_editor, caption="即将到期", rights_expire_at=timezone.now() + timedelta(days=3))
    make_image(photo_editor, seed=4, caption="长期有效", rights_expire_at=timezone.now() + timedelta(days=60))
    client = Client()
    client.force_login(photo_editor)

    page = client.get("/admin/media/image/?rights=soon").content.decode()

    assert "即将到期" in page and "长期有效" not in page
    assert soon.display_credit in page or "—" in page


def test_admin_upload_creates_the_image_through_the_service(photo_editor, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.media.images import photo

    client = Client()
    client.force_login(photo_editor)
    response = client.post(
        "/admin/media/image/add/",
        {
            "upload": SimpleUploadedFile("p.jpg", photo()),
            "alt": "巴库",
            "caption": "夜景",
            "license": "staff",
            "focal_x": "0.5",
            "focal_y": "0.5",
            "creator": "王五",
        },
    )

    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.caption, image.creator, image.uploaded_by) == ("夜景", "王五", photo_editor)
    bad = client.post(
        "/admin/media/image/add/",
        {
            "upload": SimpleUploadedFile("x.jpg", b"<html>no</html>"),
            "license": "staff",
            "focal_x": "0.5",
            "focal_y": "0.5",
        },
    )
    assert bad.status_code == 200
    assert "这不是 JPEG、PNG、WebP 或 GIF 图片。" in bad.content.decode()
    assert Image.objects.count() == 1


def test_editors_still_preview_an_expired_photo_in_the_admin(api, photo_editor):
    image = make_image(photo_editor, rights_expire_at=timezone.now() - timedelta(days=1))
    client = Client()
    client.force_login(photo_editor)

    preview = client.get(f"/admin/media/image/{image.pk}/thumbnail/")
    page = client.get("/admin/media/image/").content.decode()

    assert preview.status_code == 200 and preview["Content-Type"] == "image/jpeg"
    assert f"/admin/media/image/{image.pk}/thumbnail/" in page
    assert "已到期" in page
    assert api.get(f"/admin/media/image/{image.pk}/thumbnail/").status_code == 302  # readers are sent to log in


def test_the_sweep_is_scheduled_in_the_editable_beat_schedule():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="media.tasks.images_sweep_expired_task")

    assert task.enabled and task.interval.every == 60


def test_list_items_carry_only_the_renditions_a_list_shows(api, editor, photo_editor, settings):
    settings.LIST_IMAGE_RENDITIONS = ["320w", "640w", "square"]
    article = _article_with_photo(editor, make_image(photo_editor))

    listed = api.get("/api/v1/articles/").json()["results"][0]["lead_image"]["renditions"]
    detail = api.get(f"/api/v1/articles/{article.pk}/").json()["lead_image"]["renditions"]

    assert {r["name"] for r in listed} == {"320w", "640w", "square"}
    assert {r["name"] for r in detail} == {"320w", "640w", "1024w", "1600w", "social", "square"}
    assert len(listed) == 3 * len({r["format"] for r in detail})


def test_rendition_urls_are_absolute_on_this_site_or_the_cdn(api, editor, photo_editor, settings):
    settings.PUBLIC_BASE_URL = "https://api.example.cn"
    image = make_image(photo_editor)
    article = _article_with_photo(editor, image)
    waiting = api.get(f"/api/v1/articles/{article.pk}/").json()["lead_image"]["renditions"]
    # Not made yet: the endpoint that makes one, on this site.
    assert all(r["url"].startswith(f"https://api.example.cn/api/v1/images/{image.pk}/") for r in waiting)

    Image.objects.filter(pk=image.pk).update(renditions_ready=True)
    settings.MEDIA_URL = "https://img.example.cn/"
    documents.documents_rebuild()
    api_cache.invalidate()
    made = api.get(f"/api/v1/articles/{article.pk}/").json()["lead_image"]["renditions"]
    assert all(r["url"].startswith("https://img.example.cn/renditions/") for r in made)

    settings.MEDIA_URL = "/uploads/"
    documents.documents_rebuild()
    api_cache.invalidate()
    listed = api.get("/api/v1/articles/").json()["results"][0]["lead_image"]["renditions"]
    assert all(r["url"].startswith("https://api.example.cn/uploads/renditions/") for r in listed)


def test_deleting_an_agency_in_the_admin_goes_through_its_service(photo_editor, django_user_model):
    """The service's rule holds in the admin: a staff account handed the delete permission by
    hand, without a photo editor's or editor's role, cannot delete an agency; a photo editor can."""
    from django.contrib.auth.models import Permission

    from media.models import Agency

    agency = Agency.objects.create(name="澎湃影像")
    intern = django_user_model.objects.create_user("intern", password="x", is_staff=True)
    intern.user_permissions.add(*Permission.objects.filter(codename__in=["view_agency", "delete_agency"]))
    client = Client(raise_request_exception=False)
    client.force_login(intern)

    refused = client.post(f"/admin/media/agency/{agency.pk}/delete/", {"post": "yes"})

    assert refused.status_code == 403
    assert Agency.objects.filter(pk=agency.pk).exists()
    client.force_login(photo_editor)
    assert client.post(f"/admin/media/agency/{agency.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Agency.objects.filter(pk=agency.pk).exists()


def test_the_photo_page_names_its_uses_in_chinese(editor, photo_editor):
    image = make_image(photo_editor)
    _article_with_photo(editor, image)
    client = Client()
    client.force_login(photo_editor)

    page = client.get(f"/admin/media/image/{image.pk}/change/").content.decode()

    assert "《配图新闻》</a>（头图）" in page and "《配图新闻》</a>（正文）" in page
    assert "article body" not in page and "lead image" not in page


def test_a_writer_sees_uses_they_may_not_open_only_as_a_count(writer, other_writer, editor, photo_editor):
    image = make_image(photo_editor)
    secret = article_services.article_create(
        by=other_writer,
        title="尚未发布的独家：某部长将辞职",
        lead_image=image,
        body=[{"type": "image", "image": image, "text": "图"}],
    )
    own = article_services.article_create(by=writer, title="我自己的稿子", lead_image=image)
    public = _article_with_photo(editor, image)
    AuthorFactory(avatar=image, name="头像作者")
    writer_api = APIClient()
    writer_api.force_authenticate(writer)
    writer_admin, photo_admin = Client(), Client()
    writer_admin.force_login(writer)
    photo_admin.force_login(photo_editor)

    listed = next(i for i in writer_api.get("/api/v1/editor/images/").json()["results"] if i["id"] == image.pk)
    detail = writer_api.get(f"/api/v1/editor/images/{image.pk}/").json()
    page = writer_admin.get(f"/admin/media/image/{image.pk}/change/")
    desk_detail = APIClient()
    desk_detail.force_authenticate(photo_editor)
    everything = desk_detail.get(f"/api/v1/editor/images/{image.pk}/").json()

    for answer in (listed, detail):
        labels = {use["label"] for use in answer["uses"]}
        assert labels == {f"《{own.title}》", f"《{public.title}》"}
        assert answer["uses_hidden"] == 3  # the other writer's body and lead image, the author's avatar
    text = page.content.decode() if page.status_code == 200 else ""
    assert secret.title not in str(listed) + str(detail) + text
    if page.status_code == 200:
        assert "另有 3 处你无权打开的使用" in text
    # The photo desk answers for every use of a photo's rights: it sees them all.
    assert f"《{secret.title}》" in {use["label"] for use in everything["uses"]} and everything["uses_hidden"] == 0
    assert secret.title in photo_admin.get(f"/admin/media/image/{image.pk}/change/").content.decode()


def test_the_desk_front_page_lists_only_scheduled_articles_the_person_may_open(writer, other_writer, editor):
    soon = timezone.now() + timedelta(hours=3)
    embargoed = article_services.article_create(by=other_writer, title="禁发至周五：央行降息")
    own = article_services.article_create(by=writer, title="我的定时稿")
    for article in (embargoed, own):
        article_services.article_schedule(article_id=article.pk, by=editor, at=soon)
    writer_desk, editor_desk = Client(), Client()
    writer_desk.force_login(writer)
    editor_desk.force_login(editor)

    as_writer = writer_desk.get("/admin/").content.decode()
    as_editor = editor_desk.get("/admin/").content.decode()

    assert "我的定时稿" in as_writer and "禁发至周五" not in as_writer
    assert "我的定时稿" in as_editor and "禁发至周五" in as_editor
