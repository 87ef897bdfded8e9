"""Factories for articles and their taxonomy."""

from datetime import timedelta

import factory
from django.utils import timezone

from articles.models import Article, Author, Block, Byline, Outlet, Section, Tag


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet

    name = factory.Sequence(lambda n: f"媒体{n}")
    slug = factory.Sequence(lambda n: f"outlet-{n}")
    url = "https://outlet.example.cn/"


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"作者{n}")
    slug = factory.Sequence(lambda n: f"author-{n}")


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    name = factory.Sequence(lambda n: f"栏目{n}")
    slug = factory.Sequence(lambda n: f"section-{n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"标签{n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article by default; pass status="draft" for a draft."""

    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"测试新闻标题{n}")
    slug = factory.Sequence(lambda n: f"article-slug-{n}")
    derived_summary = "自动摘要。"
    section = factory.SubFactory(SectionFactory)
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    first_published_at = factory.SelfAttribute("published_at")


def with_body(article: Article, *texts: str) -> Article:
    Block.objects.bulk_create(
        Block(article=article, position=i, type=Block.Type.PARAGRAPH, text=text) for i, text in enumerate(texts)
    )
    return article


def with_bylines(article: Article, *authors: Author, role: str = "文") -> Article:
    Byline.objects.bulk_create(
        Byline(article=article, author=author, role=role, position=i) for i, author in enumerate(authors)
    )
    return article
