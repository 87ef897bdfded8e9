"""Article rules as the services enforce them, whoever calls."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from articles import documents, services
from articles.models import Article, Byline
from articles.selectors import article_related
from tests.articles.factories import ArticleFactory, AuthorFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_create_makes_a_draft_with_pinyin_slug_and_derived_summary(writer):
    article = services.article_create(
        by=writer, title="济南发布暴雪预警", body=[{"type": "paragraph", "text": "受冷空气影响，济南将迎来降雪。"}]
    )

    assert article.status == Article.Status.DRAFT
    assert article.slug == "ji-nan-fa-bu-bao-xue-yu-jing"
    assert article.display_summary == "受冷空气影响，济南将迎来降雪。"
    assert article.created_by == writer


def test_same_title_twice_gets_a_numbered_slug(writer):
    first = services.article_create(by=writer, title="济南发布暴雪预警")
    second = services.article_create(by=writer, title="济南发布暴雪预警")

    assert (first.slug, second.slug) == ("ji-nan-fa-bu-bao-xue-yu-jing", "ji-nan-fa-bu-bao-xue-yu-jing-2")


def test_title_without_letters_falls_back_to_an_id_slug(writer):
    article = services.article_create(by=writer, title="！？😀")

    assert article.slug == f"article-{article.pk}"


def test_slug_follows_title_while_draft_and_is_fixed_once_published(editor):
    article = services.article_create(by=editor, title="旧标题")
    services.article_update(article_id=article.pk, by=editor, expected_version=None, data={"title": "新标题"})
    article.refresh_from_db()
    assert article.slug == "xin-biao-ti"

    services.article_publish(article_id=article.pk, by=editor)
    services.article_update(article_id=article.pk, by=editor, expected_version=None, data={"title": "再改标题"})
    article.refresh_from_db()
    assert article.slug == "xin-biao-ti"

    with pytest.raises(ValidationError):
        services.article_update(article_id=article.pk, by=editor, expected_version=None, data={"slug": "other"})
    article.refresh_from_db()
    assert article.slug == "xin-biao-ti"


def test_editor_given_slug_is_kept_and_must_be_unique(editor):
    services.article_create(by=editor, title="甲", slug="my-slug")

    with pytest.raises(ValidationError):
        services.article_create(by=editor, title="乙", slug="my-slug")
    assert Article.objects.filter(slug="my-slug").count() == 1


def test_writer_cannot_publish(writer):
    article = services.article_create(by=writer, title="草稿")

    with pytest.raises(PermissionDenied):
        services.article_publish(article_id=article.pk, by=writer)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.published_at is None


def test_writer_cannot_edit_someone_elses_draft(writer, other_writer):
    article = services.article_create(by=writer, title="我的草稿")

    with pytest.raises(PermissionDenied):
        services.article_update(article_id=article.pk, by=other_writer, expected_version=None, data={"title": "改"})
    article.refresh_from_db()
    assert article.title == "我的草稿"


def test_writer_cannot_edit_own_article_once_submitted(writer):
    article = services.article_create(by=writer, title="我的草稿")
    services.article_submit(article_id=article.pk, by=writer)

    with pytest.raises(PermissionDenied):
        services.article_update(article_id=article.pk, by=writer, expected_version=None, data={"title": "改"})


def test_submit_then_publish_sets_times_once(writer, editor):
    article = services.article_create(by=writer, title="稿件")
    services.article_submit(article_id=article.pk, by=writer)

    published = services.article_publish(article_id=article.pk, by=editor)

    assert published.status == Article.Status.PUBLISHED
    assert published.first_published_at == published.published_at
    assert published.version == 3


def test_publishing_an_archived_article_is_a_state_error(editor):
    article = services.article_create(by=editor, title="稿件")
    services.article_publish(article_id=article.pk, by=editor)
    services.article_unpublish(article_id=article.pk, by=editor)

    with pytest.raises(services.ArticleStateError) as error:
        services.article_publish(article_id=article.pk, by=editor)

    assert error.value.status == "archived"


def test_stale_version_is_refused_and_nothing_changes(editor):
    article = services.article_create(by=editor, title="原标题")
    services.article_update(article_id=article.pk, by=editor, expected_version=1, data={"title": "第二版"})

    with pytest.raises(services.ArticleVersionConflict) as error:
        services.article_update(article_id=article.pk, by=editor, expected_version=1, data={"title": "过期写入"})

    assert error.value.current_version == 2
    article.refresh_from_db()
    assert article.title == "第二版"


def test_bylines_keep_their_order_and_roles(editor):
    first, second = AuthorFactory(name="熊超然"), AuthorFactory(name="张三")

    article = services.article_create(
        by=editor, title="稿件", bylines=[{"author": second, "role": "编辑"}, {"author": first, "role": "文"}]
    )

    assert [(b.author.name, b.role) for b in Byline.objects.filter(article=article)] == [
        ("张三", "编辑"),
        ("熊超然", "文"),
    ]


def test_unknown_block_type_is_refused(editor):
    with pytest.raises(ValidationError):
        services.article_create(by=editor, title="稿件", body=[{"type": "video", "text": "x"}])
    assert not Article.objects.exists()


def test_related_prefers_picks_then_shared_tags_then_section_never_itself():
    section, other_section = SectionFactory(), SectionFactory()
    tag_a, tag_b = TagFactory(), TagFactory()
    article = ArticleFactory(section=section)
    article.tags.set([tag_a, tag_b])
    two_tags = ArticleFactory(section=other_section)
    two_tags.tags.set([tag_a, tag_b])
    one_tag = ArticleFactory(section=other_section)
    one_tag.tags.set([tag_a])
    same_section = ArticleFactory(section=section)
    unrelated = ArticleFactory(section=other_section)
    picked = ArticleFactory(section=other_section)
    draft_pick = ArticleFactory(status=Article.Status.DRAFT, published_at=None, first_published_at=None)
    from articles.models import RelatedPick

    RelatedPick.objects.create(from_article=article, to_article=picked, position=0)
    RelatedPick.objects.create(from_article=article, to_article=draft_pick, position=1)
    documents.documents_rebuild()  # what the change stream does as each is published

    related = article_related(article=article)

    assert related == [picked, two_tags, one_tag, same_section]
    assert unrelated not in related and article not in related and draft_pick not in related
