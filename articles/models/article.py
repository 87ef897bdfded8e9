"""The article and what it is made of: bylines, body blocks, related picks, corrections, its moves."""

from django.conf import settings
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .taxonomy import Author, Outlet, Section, Tag


class Article(models.Model):
    """A news article. Readers see it only while `is_public_at(now)` holds."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        REVIEW = "review", _("in review")
        SCHEDULED = "scheduled", _("scheduled")
        PUBLISHED = "published", _("published")
        ARCHIVED = "archived", _("archived")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    summary = models.CharField(
        _("summary"),
        max_length=300,
        blank=True,
        help_text=_("Leave blank to use the opening paragraphs."),
    )
    derived_summary = models.CharField(_("derived summary"), max_length=300, blank=True, editable=False)
    section = models.ForeignKey(
        Section,
        verbose_name=_("section"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="articles")
    source = models.ForeignKey(
        Outlet,
        verbose_name=_("original outlet"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
    )
    original_url = models.URLField(_("original URL"), max_length=500, blank=True)
    lead_image = models.ForeignKey(
        "media.Image",
        verbose_name=_("lead image"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lead_image_caption = models.CharField(
        _("lead image caption"), max_length=500, blank=True, help_text=_("Leave blank to use the photo's own caption.")
    )
    related_picks = models.ManyToManyField(
        "self",
        verbose_name=_("related articles"),
        through="RelatedPick",
        symmetrical=False,
        blank=True,
        related_name="picked_by",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    first_published_at = models.DateTimeField(_("first published at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    view_count = models.PositiveBigIntegerField(_("views"), default=0, editable=False)
    search_boost = models.PositiveSmallIntegerField(
        _("search boost"),
        default=0,
        choices=[(0, _("none")), (1, _("low")), (2, _("medium")), (3, _("high"))],
        help_text=_("Ranks an evergreen piece higher in search results (explainers, guides)."),
    )
    # Bumped by every editorial save; the editor API's ETag and If-Match use it.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_status_published"),
            models.Index(fields=["-published_at", "-id"], name="article_published_desc"),
            models.Index(fields=["section", "-published_at"], name="article_section_published"),
            # Whether readers may see an article, found from its id without reading its row:
            # search ranks up to two thousand matches a page, each checked here.
            models.Index(fields=["id", "status", "published_at", "search_boost"], name="article_public_by_id"),
            # The desk's sorts, each its own walk down an index at any archive size: the editor
            # API's list and the admin's "updated", and the admin's status, section and views.
            models.Index(fields=["-updated_at", "-id"], name="article_updated_desc"),
            models.Index(fields=["status", "-id"], name="article_status_id"),
            models.Index(fields=["section", "-id"], name="article_section_id"),
            models.Index(fields=["-view_count", "-id"], name="article_views_desc"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["published", "scheduled"]) | Q(published_at__isnull=False),
                name="article_public_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_summary(self) -> str:
        return self.summary or self.derived_summary

    @property
    def is_published(self) -> bool:
        return self.is_public_at(timezone.now())

    def is_public_at(self, now) -> bool:
        return public_at(self.status, self.published_at, now)

    @property
    def has_been_published(self) -> bool:
        return self.first_published_at is not None


class Byline(models.Model):
    """One credited name on an article, printed as `role/author` in order."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, verbose_name=_("author"), on_delete=models.PROTECT, related_name="bylines")
    role = models.CharField(_("role"), max_length=20, default="文", help_text=_("e.g. 文, 编辑, 摄影, 记者"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # The author's outlet when they were credited (【文/观察者网 熊超然】): kept as it was when the
    # author later moves, and gone (not the byline) if the outlet is deleted.
    outlet = models.ForeignKey(
        Outlet,
        verbose_name=_("outlet"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The author's outlet at the time of writing."),
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("byline")
        verbose_name_plural = _("bylines")
        constraints = [
            models.UniqueConstraint(fields=["article", "author", "role"], name="byline_unique_author_role"),
        ]

    def __str__(self) -> str:
        return f"{self.role}/{self.author.name}"


class Block(models.Model):
    """One body block. Paragraph text is sanitised inline HTML; an image block's text is its caption."""

    class Type(models.TextChoices):
        PARAGRAPH = "paragraph", _("paragraph")
        HEADING = "heading", _("heading")
        QUOTE = "quote", _("quote")
        IMAGE = "image", _("image")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="blocks")
    position = models.PositiveIntegerField(_("position"), default=0)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.PARAGRAPH)
    text = models.TextField(_("text"), blank=True)
    attribution = models.CharField(_("attribution"), max_length=200, blank=True)
    image = models.ForeignKey(
        "media.Image", verbose_name=_("image"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("body block")
        verbose_name_plural = _("body blocks")
        constraints = [
            models.CheckConstraint(condition=~Q(type="image") | Q(image__isnull=False), name="block_image_has_image"),
        ]

    def __str__(self) -> str:
        # The visible words, not the markup (a label must not stop inside `<b>`), cut whole.
        from ..text import cut, html_to_text

        return f"{self.get_type_display()}: {cut(html_to_text(self.text), 30, '…')}"


# What readers may see, the one rule everything public follows: an article published, or
# scheduled with its time passed, at the second. Written here once, for rows in Python
# (`public_at`), for querysets (`public_articles`) and for the hand-written hot reads' SQL
# (`public_sql`); the next moment the rule changes anything is `next_scheduled_sql`'s.
PUBLIC_STATUSES = (Article.Status.PUBLISHED, Article.Status.SCHEDULED)


def public_at(status: str, published_at, now) -> bool:
    """Whether an article in `status`, published (or scheduled) at `published_at`, is public at `now`."""
    return status in PUBLIC_STATUSES and published_at is not None and published_at <= now


def public_articles(now=None) -> Q:
    """Published, or scheduled with its time passed: what readers can see at `now`.

    Also the choices of a related pick, the admin's chooser included.
    """
    return Q(status__in=PUBLIC_STATUSES, published_at__lte=now or timezone.now())


def public_sql(alias: str, now) -> tuple[str, list]:
    """`public_articles` as SQL on the article table under `alias`, with its parameters."""
    adapt = connection.ops.adapt_datetimefield_value
    statuses = ", ".join(["%s"] * len(PUBLIC_STATUSES))
    return f"{alias}.status IN ({statuses}) AND {alias}.published_at <= %s", [*PUBLIC_STATUSES, adapt(now)]


def next_scheduled_sql(now) -> tuple[str, list]:
    """SQL for the moment the next scheduled article goes out (NULL if none), with its parameters:
    cached public answers must not outlive it."""
    adapt = connection.ops.adapt_datetimefield_value
    return (
        f"SELECT MIN(s.published_at) FROM {Article._meta.db_table} s WHERE s.status = %s AND s.published_at > %s",
        [Article.Status.SCHEDULED, adapt(now)],
    )


class RelatedPick(models.Model):
    """An editor's own choice of related article, shown before computed ones."""

    from_article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="picks")
    to_article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to=public_articles,
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("related article")
        verbose_name_plural = _("related articles")
        constraints = [
            models.UniqueConstraint(fields=["from_article", "to_article"], name="related_pick_unique"),
            models.CheckConstraint(condition=~Q(from_article=models.F("to_article")), name="related_pick_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.from_article_id} -> {self.to_article_id}"


class Correction(models.Model):
    """A correction note printed under a published article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self) -> str:
        return self.text[:50]


class StatusChange(models.Model):
    """One workflow transition: who moved the article from which state to which, and when."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the schedule published it."),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"
