"""Who and what articles are filed under: outlets, authors (and the photos they took), sections, tags."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Outlet(models.Model):
    """An original publisher whose pieces we syndicate, e.g. 观察者网."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    url = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("outlet")
        verbose_name_plural = _("outlets")

    def __str__(self) -> str:
        return self.name


class Author(models.Model):
    """A person named in bylines; may be tied to a login account."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    bio = models.TextField(_("biography"), blank=True)
    affiliation = models.ForeignKey(
        Outlet,
        verbose_name=_("affiliation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authors",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author",
    )
    avatar = models.ForeignKey(
        "media.Image", verbose_name=_("avatar"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self) -> str:
        if self.affiliation_id:
            return f"{self.name}（{self.affiliation}）"
        return self.name


class Photographer(models.Model):
    """A photo taken by one of the newsroom's authors (their author page can list it).

    Kept here, above the photo library, which knows no authors (`media.photographers`).
    """

    image = models.OneToOneField(
        "media.Image", primary_key=True, on_delete=models.CASCADE, related_name="photographer", verbose_name=_("photo")
    )
    author = models.ForeignKey(
        Author, on_delete=models.CASCADE, related_name="photos", verbose_name=_("photographer (author)")
    )

    class Meta:
        verbose_name = _("photographer (author)")
        verbose_name_plural = _("photographers (authors)")

    def __str__(self) -> str:
        return str(self.author)


class Section(models.Model):
    """A top-level part of the site (国际, 财经...), ordered for navigation."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name
