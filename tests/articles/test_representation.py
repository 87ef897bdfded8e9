"""Documents are rendered with plain functions; the serializers describe the contract. The two
must give the same answer, field for field and in the same order, for every shape an article
takes."""

from datetime import timedelta

import orjson
import pytest
from django.utils import timezone

from articles import selectors
from articles.documents import documents_rebuild
from articles.documents.representation import (
    ArticleDetailSerializer,
    ArticleListItemSerializer,
    detail_representation,
    item_representation,
)
from articles.models import Article, Block, Correction, RelatedPick
from media.models import Agency, Image
from tests.articles.factories import (
    ArticleFactory,
    AuthorFactory,
    OutletFactory,
    TagFactory,
    with_body,
    with_bylines,
)
from tests.media.factories import make_image

pytestmark = pytest.mark.django_db


def _both(article_id: int) -> tuple[tuple[bytes, bytes], tuple[bytes, bytes]]:
    article = selectors.article_detail_queryset(Article.objects.filter(pk=article_id)).get()
    related = selectors.article_related(article=article)
    plain = orjson.dumps(detail_representation(article, related)), orjson.dumps(item_representation(article))
    by_serializers = (
        orjson.dumps(ArticleDetailSerializer(article, context={"related": {article.pk: related}}).data),
        orjson.dumps(ArticleListItemSerializer(article).data),
    )
    return plain, by_serializers


def test_a_bare_article_is_represented_as_the_serializers_do():
    article = ArticleFactory(section=None, summary="", original_url="", first_published_at=None)

    plain, by_serializers = _both(article.pk)

    assert plain == by_serializers
    assert orjson.loads(plain[0])["section"] is None and orjson.loads(plain[0])["related"] == []


def test_a_full_article_is_represented_as_the_serializers_do(editor):
    agency = Agency.objects.create(name="新华社")
    lead = make_image(editor, caption="原图说", creator="李明", agency=agency)
    body_photo = make_image(editor, seed=1, credit_line="本报记者 王芳 摄")
    gone = make_image(editor, seed=2, rights_expire_at=timezone.now() + timedelta(seconds=1))
    Agency.objects.filter(pk=agency.pk).update(name="新华社 ")  # odd spacing is kept as it is
    tags = [TagFactory(name="俄罗斯"), TagFactory(name="经济")]
    source = OutletFactory(name="澎湃新闻", url="https://www.thepaper.cn/")
    article = ArticleFactory(
        title="“熊超然”：标题里的引号 & <符号>",
        summary="",
        derived_summary="自动摘要，带有 emoji 😀。",
        source=source,
        original_url="https://www.thepaper.cn/newsDetail_forward_1",
        lead_image=lead,
        lead_image_caption="文章里的图说",
    )
    article.tags.set(tags)
    with_body(article, "第一段<b>加粗</b>。", "第二段。")
    Block.objects.create(article=article, position=5, type=Block.Type.HEADING, text="小标题")
    Block.objects.create(article=article, position=6, type=Block.Type.QUOTE, text="引语", attribution="某人")
    Block.objects.create(article=article, position=7, type=Block.Type.IMAGE, text="正文图说", image=body_photo)
    Block.objects.create(article=article, position=8, type=Block.Type.IMAGE, text="过期", image=gone)
    with_bylines(article, AuthorFactory(name="熊超然"), AuthorFactory(name="编辑甲"))
    article.bylines.filter(position=1).update(role="编辑", outlet=OutletFactory(name="观察者网"))
    Correction.objects.create(article=article, text="更正：人名有误。")
    picked = ArticleFactory(lead_image=make_image(editor, seed=3), section=None)
    RelatedPick.objects.create(from_article=article, to_article=picked, position=0)
    sharing = ArticleFactory(section=article.section)
    sharing.tags.set(tags)
    documents_rebuild()  # the tag links the related articles are found by
    Image.objects.filter(pk=gone.pk).update(rights_expire_at=timezone.now() - timedelta(seconds=1))

    plain, by_serializers = _both(article.pk)

    assert plain == by_serializers
    detail = orjson.loads(plain[0])
    assert [b["type"] for b in detail["body"]] == ["paragraph", "paragraph", "heading", "quote", "image"]
    assert [r["id"] for r in detail["related"]][:2] == [picked.pk, sharing.pk]
    assert detail["bylines"][1]["author"]["outlet"]["name"] == "观察者网" and detail["corrections"]
