"""What readers and reviewers are given: stored public documents and preview links."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .article import Article


class Document(models.Model):
    """A public article as readers get it, rendered once per change and stored.

    The detail and the list item are kept as JSON bytes cut around the view count (which
    changes every minute without an edit, and is spliced in at read time), so a read is one
    indexed query and no serializer. `valid_until` is the first moment the bytes are wrong
    without any edit (a photo's rights ending, a scheduled article going out): the read path
    renders anew past it. `refresh_at` is when its related articles are looked at again, by
    the workers (`documents.refresh`), never by a reader: soon for a new article, rarely for
    an old one, at once for one showing something that changed (an author, a section).
    """

    # The columns a list page reads come first and the detail's bytes (kilobytes) last: SQLite
    # stores a row's columns in this order and reaches a column after a long one by walking its
    # overflow pages (a list page of 20 read 60 of them). Migration 0018 put them in this order.
    article = models.OneToOneField(Article, primary_key=True, on_delete=models.CASCADE, related_name="document")
    item_head = models.BinaryField()
    item_tail = models.BinaryField()
    item_keys = models.TextField(default="")  # surrogate keys of the list item
    list_signature = models.CharField(max_length=32, default="")  # where the article sits in lists
    related_ids = models.CharField(max_length=200, default="")  # " 12 45 ", to find documents linking an article
    version = models.PositiveIntegerField(default=0)
    rendered_at = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField()
    keys = models.TextField(default="")  # surrogate keys of the detail, space-separated
    detail_head = models.BinaryField()
    detail_tail = models.BinaryField()
    refresh_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["refresh_at"], name="document_refresh_at")]
        verbose_name = _("published document")
        verbose_name_plural = _("published documents")

    def __str__(self) -> str:
        return f"document of {self.article_id}"


class DocumentLink(models.Model):
    """One thing a public article's stored document shows, by its surrogate key (`tag-5`,
    `section-3`, `author-7`, `image-9` ...) or a related article it links to (`related-12`),
    with the time the article was published.

    The documents' index, so that nothing scans every document as the archive grows: a change to
    what many documents show finds exactly those (by key), and an article's related articles come
    from the newest public articles carrying each of its tags (by key, then time). Written when
    the document is rendered (a bulk rebuild writes the tags' first, so that every article's
    related come from the whole archive whatever the order of rendering), gone when the article
    stops being public.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="document_links")
    key = models.CharField(max_length=64)
    published_at = models.DateTimeField()

    class Meta:
        verbose_name = _("document link")
        verbose_name_plural = _("document links")
        indexes = [models.Index(fields=["key", "-published_at"], name="document_link_key_recent")]

    def __str__(self) -> str:
        return f"{self.article_id} shows {self.key}"


class SitemapPage(models.Model):
    """An article sitemap page: the public articles whose ids fall in `number`'s range of `size`
    ids, how many there are and their latest change.

    Kept by the change stream (an article's event recounts its page, at most `size` rows through
    the primary key), so that the sitemap index reads a row per page instead of numbering the
    whole archive, and a page is an id range: an article keeps its page for good. Rows of another
    page size (SITEMAP_PAGE_SIZE changed) are counted anew on the next read of the index.
    """

    size = models.PositiveIntegerField()
    number = models.PositiveBigIntegerField()  # ids from (number - 1) x size to number x size - 1
    count = models.PositiveIntegerField(default=0)
    latest = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("sitemap page")
        verbose_name_plural = _("sitemap pages")
        constraints = [models.UniqueConstraint(fields=["size", "number"], name="sitemap_page_unique")]

    def __str__(self) -> str:
        return f"sitemap page {self.number} of {self.size}"


class PreviewLink(models.Model):
    """A link that shows one article as a page to whoever holds it (a reviewer outside the
    newsroom, the legal desk), whatever its status, until it expires or is revoked.

    It names the version it was made for: the page says when the article has changed since.
    The token is the capability; it is kept so that editors can copy the same link again.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="preview_links")
    token = models.CharField(max_length=64, unique=True)
    version = models.PositiveIntegerField(_("version"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("preview link")
        verbose_name_plural = _("preview links")
        indexes = [models.Index(fields=["article", "-created_at"], name="preview_link_recent")]

    def __str__(self) -> str:
        return f"preview of {self.article_id} v{self.version}"

    def is_active_at(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now
