"""Photos with their credit and rights, and the renditions made from them."""

import secrets
from string import Formatter

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class License(models.TextChoices):
    STAFF = "staff", _("staff photo")
    AGENCY = "agency", _("agency photo")
    HANDOUT = "handout", _("handout")
    FILE = "file", _("file photo")
    CC_BY = "cc-by", "CC BY"
    CC_BY_SA = "cc-by-sa", "CC BY-SA"
    CC_BY_ND = "cc-by-nd", "CC BY-ND"
    CC_BY_NC = "cc-by-nc", "CC BY-NC"
    CC_BY_NC_SA = "cc-by-nc-sa", "CC BY-NC-SA"
    CC_BY_NC_ND = "cc-by-nc-nd", "CC BY-NC-ND"
    CC0 = "cc0", "CC0"
    READER = "reader", _("reader submitted")


DEFAULT_CREDIT = "{agency}记者 {creator} 摄"  # a photo of an agency's photographer, as Chinese papers print it


def validate_credit_format(value: str) -> None:
    """Plain `{agency}` and `{creator}` only: no other names, conversions or widths."""
    try:
        fields = [
            (name, spec, conversion)
            for _literal, name, spec, conversion in Formatter().parse(value)
            if name is not None
        ]
    except ValueError:
        fields = [("", "", None)]
    if any(name not in ("agency", "creator") or spec or conversion for name, spec, conversion in fields):
        raise ValidationError(_("Use only {agency} and {creator} in braces, e.g. {agency}记者 {creator} 摄."))


class Agency(models.Model):
    """A photo agency or picture desk credited on photos (澎湃影像, 新华社), with the licence
    and credit its photos get unless an editor says otherwise."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(_("website"), blank=True)
    default_license = models.CharField(
        _("default licence"),
        max_length=20,
        choices=License.choices,
        default=License.AGENCY,
        help_text=_("The licence of a photo uploaded with this agency, unless one is chosen."),
    )
    credit_format = models.CharField(
        _("credit format"),
        max_length=100,
        blank=True,
        validators=[validate_credit_format],
        help_text=_("How a photo's credit reads, e.g. {agency}记者 {creator} 摄 (the default when blank)."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name


def new_rendition_key() -> str:
    return secrets.token_hex(16)


class Image(models.Model):
    """An uploaded photo, stored under its content hash, with credit and rights as fields.

    Renditions are named by `rendition_key`, a random name of the photo's own: a rendition's URL
    tells nothing about the original's (whose hash names it), nor about any other photo."""

    License = License

    file = models.CharField(_("file"), max_length=200, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True, editable=False)
    format = models.CharField(_("format"), max_length=10, editable=False)
    width = models.PositiveIntegerField(_("width"), editable=False)
    height = models.PositiveIntegerField(_("height"), editable=False)
    bytes = models.PositiveIntegerField(_("bytes"), editable=False)

    alt = models.CharField(_("alt text"), max_length=300, blank=True)
    caption = models.TextField(_("default caption"), blank=True)
    focal_x = models.FloatField(_("focal point x"), default=0.5)
    focal_y = models.FloatField(_("focal point y"), default=0.5)

    creator = models.CharField(_("photographer"), max_length=100, blank=True)
    # A staff photographer's author page is linked by articles.Photographer (media.photographers).
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.PROTECT, related_name="images"
    )
    credit_line = models.CharField(
        _("credit line"),
        max_length=200,
        blank=True,
        help_text=_("Left blank, it is composed from photographer and agency."),
    )
    copyright = models.CharField(_("copyright notice"), max_length=200, blank=True)
    license = models.CharField(_("licence"), max_length=20, choices=License.choices, default=License.STAFF)
    usage_terms = models.TextField(_("usage terms"), blank=True)
    rights_expire_at = models.DateTimeField(_("rights expire at"), null=True, blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)

    renditions_ready = models.BooleanField(_("renditions ready"), default=False, editable=False)
    rendition_key = models.CharField(max_length=32, default=new_rendition_key, editable=False)
    public = models.BooleanField(
        _("public"),
        default=False,
        help_text=_(
            "Readers may fetch its renditions even where no published article uses it "
            "(photos used by a published article are public anyway)."
        ),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("image")
        verbose_name_plural = _("images")
        indexes = [models.Index(fields=["rights_expire_at"], name="image_rights_expire")]
        constraints = [
            models.CheckConstraint(
                condition=Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="image_focal_point_in_frame",
            ),
        ]

    def __str__(self) -> str:
        label = self.caption or self.alt or self.file
        return f"{label[:40]}（{self.display_credit}）" if self.display_credit else label[:40]

    @property
    def display_credit(self) -> str:
        """The credit line as printed: the editor's, else composed from photographer and agency."""
        if self.credit_line:
            return self.credit_line
        agency = self.agency.name if self.agency_id else ""
        if self.creator and agency:
            return (self.agency.credit_format or DEFAULT_CREDIT).format(agency=agency, creator=self.creator).strip()
        if self.creator:
            return f"{self.creator} 摄"
        return agency

    def is_usable_at(self, now) -> bool:
        return self.rights_expire_at is None or self.rights_expire_at > now


class Rendition(models.Model):
    """One resized file of an image; the unique key guards against making it twice."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="renditions")
    name = models.CharField(max_length=30)
    format = models.CharField(max_length=10)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    file = models.CharField(max_length=200)
    bytes = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["image", "name", "format"]
        constraints = [
            models.UniqueConstraint(fields=["image", "name", "format"], name="rendition_unique_per_image"),
        ]

    def __str__(self) -> str:
        return f"{self.image_id} {self.name}.{self.format}"
