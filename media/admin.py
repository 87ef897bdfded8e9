"""The photo desk: upload with preview, credits and rights, focal point by click, uses, expiry."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import imaging, photographers, selectors, services, uses
from .models import Agency, Image
from .representation import thumbnail_url


class ExpiryFilter(admin.SimpleListFilter):
    title = _("rights")
    parameter_name = "rights"

    def lookups(self, request, model_admin):
        return [
            ("expired", _("expired")),
            ("soon", _("expire within 7 days")),
            ("month", _("expire within 30 days")),
            ("open", _("no end date")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "expired":
            return queryset.filter(rights_expire_at__lte=now)
        if self.value() == "soon":
            return queryset.filter(rights_expire_at__gt=now, rights_expire_at__lte=now + timedelta(days=7))
        if self.value() == "month":
            return queryset.filter(rights_expire_at__gt=now, rights_expire_at__lte=now + timedelta(days=30))
        if self.value() == "open":
            return queryset.filter(rights_expire_at__isnull=True)
        return queryset


class ImageForm(forms.ModelForm):
    source_url = forms.URLField(label=_("source URL"), max_length=500, required=False, assume_scheme="https")
    upload = forms.FileField(
        label=_("photo file"),
        required=False,
        help_text=_("JPEG, PNG, WebP or GIF; credits in the file (IPTC/XMP) fill blank fields."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )

    # Filled in by the keeper of authors (articles) when there is one: see media.photographers.
    creator_author = forms.Field(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Image
        fields = list(services.EDITABLE)  # the fields the services let editors change
        widgets = {
            "caption": forms.Textarea(attrs={"rows": 3, "cols": 80}),
            "usage_terms": forms.Textarea(attrs={"rows": 2, "cols": 80}),
            "focal_x": forms.NumberInput(attrs={"step": "0.01", "min": 0, "max": 1, "style": "width:6em"}),
            "focal_y": forms.NumberInput(attrs={"step": "0.01", "min": 0, "max": 1, "style": "width:6em"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        chooser = photographers.form_field()
        if chooser is not None:
            self.fields["creator_author"] = chooser
            if self.instance.pk:
                self.initial["creator_author"] = photographers.authors_of([self.instance.pk]).get(self.instance.pk)
        if self.instance.pk is None and "license" in self.fields:
            # Left as is, a new photo takes its agency's licence (staff when it has none).
            field = self.fields["license"]
            field.required = False
            field.choices = [("", _("— the agency's default (staff photo without one) —")), *Image.License.choices]
            self.initial["license"] = ""

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        if self.instance.pk is None:
            if not upload:
                raise ValidationError({"upload": _("Choose a photo to upload.")})
            try:
                self.upload_data, self.upload_probe = services.image_read_upload(upload)
            except imaging.ImageRejected as error:
                raise ValidationError({"upload": str(error)}) from error
        elif upload:
            raise ValidationError({"upload": _("A photo's file cannot be replaced; upload a new photo.")})
        return data


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageForm
    list_display = ["thumbnail", "short_caption", "credit", "license", "rights_status", "size", "uploaded_at"]
    list_display_links = ["thumbnail", "short_caption"]
    list_filter = [ExpiryFilter, "license", "public", ("agency", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["agency"]
    search_fields = ["caption", "alt", "creator", "credit_line", "copyright", "agency__name"]
    search_help_text = _("Search caption, alt text, photographer, credit or agency")
    autocomplete_fields = ["agency"]
    readonly_fields = ["preview", "file_facts", "where_used", "uploaded_by", "uploaded_at", "renditions_ready"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    change_form_template = "admin/media/image/change_form.html"
    list_per_page = 50

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            obj._desk_viewer = request.user  # "used in" shows what this person may open (this request's copy)
        photo = ["upload"] if obj is None else ["preview", "focal_x", "focal_y", "file_facts"]
        return [
            (None, {"fields": [*photo, "alt", "caption"]}),
            (_("Credit"), {"fields": ["creator", "creator_author", "agency", "credit_line"]}),
            (
                _("Rights"),
                {"fields": ["license", "copyright", "usage_terms", "rights_expire_at", "source_url", "public"]},
            ),
            *(
                [(_("Uses"), {"fields": ["where_used", "uploaded_by", "uploaded_at", "renditions_ready"]})]
                if obj
                else []
            ),
        ]

    @admin.display(description=_("photo"))
    def thumbnail(self, obj: Image):
        return format_html(
            '<img src="{}" alt="" style="height:60px;max-width:120px;object-fit:cover">', thumbnail_url(obj)
        )

    @admin.display(description=_("caption"))
    def short_caption(self, obj: Image) -> str:
        return (obj.caption or obj.alt or "—")[:40]

    @admin.display(description=_("credit line"))
    def credit(self, obj: Image) -> str:
        return obj.display_credit or "—"

    @admin.display(description=_("rights expire at"), ordering="rights_expire_at")
    def rights_status(self, obj: Image):
        if obj.rights_expire_at is None:
            return "—"
        now = timezone.now()
        when = timezone.localtime(obj.rights_expire_at).strftime("%Y-%m-%d %H:%M")
        if obj.rights_expire_at <= now:
            return format_html('<strong style="color:#ba2121">{}（{}）</strong>', when, _("expired"))
        if obj.rights_expire_at <= now + timedelta(days=7):
            return format_html('<strong style="color:#b8860b">{}（{}）</strong>', when, _("expires soon"))
        return when

    @admin.display(description=_("size"))
    def size(self, obj: Image) -> str:
        return f"{obj.width}×{obj.height}"

    @admin.display(description=_("photo"))
    def preview(self, obj: Image):
        large = next(
            (i["url"] for i in selectors.rendition_list(obj) if i["name"] == "1024w" and i["format"] == "jpeg"), ""
        )
        return format_html(
            '<div class="focal-picker" style="position:relative;display:inline-block;cursor:crosshair">'
            '<img src="{}" alt="" style="max-width:640px;max-height:480px;display:block">'
            '<span class="focal-marker" style="position:absolute;width:18px;height:18px;margin:-9px 0 0 -9px;'
            'border:2px solid #fff;border-radius:50%;box-shadow:0 0 0 2px #ba2121;left:{}%;top:{}%"></span></div>'
            '<p class="help">{}</p><p>{}<br><span style="color:#666">{}</span></p>',
            large,
            obj.focal_x * 100,
            obj.focal_y * 100,
            _("Click the photo to set the focal point: social and square crops keep it in frame."),
            obj.caption,
            obj.display_credit,
        )

    @admin.display(description=_("file"))
    def file_facts(self, obj: Image) -> str:
        return (
            f"{obj.format.upper()} · {obj.width}×{obj.height} · {obj.bytes / 1024:.0f} KB · SHA-256 {obj.sha256[:12]}…"
        )

    @admin.display(description=_("used in"))
    def where_used(self, obj: Image):
        found = uses.find([obj.pk], getattr(obj, "_desk_viewer", None) or AnonymousUser())[obj.pk]
        if not found:
            return _("Not used yet.")
        shown = format_html_join(
            "",
            '<div><a href="{}">{}</a>（{}）</div>',
            ((use.admin_url, use.label, use.shown_kind) for use in uses.visible(found)),
        )
        hidden = uses.hidden_count(found)
        if not hidden:
            return shown
        more = ngettext("and %(count)d use you may not open", "and %(count)d uses you may not open", hidden) % {
            "count": hidden
        }
        return format_html('{}<div class="help">{}</div>', shown, more)

    def get_urls(self):
        extra = [
            path("<int:pk>/thumbnail/", self.admin_site.admin_view(self.thumbnail_view), name="media_image_thumbnail"),
        ]
        return extra + super().get_urls()

    def thumbnail_view(self, request, pk: int):
        """Editors still see a photo whose rights ended (readers do not); made in memory, never stored."""
        image = Image.objects.filter(pk=pk).first()
        if image is None or not self.has_view_permission(request, image):
            raise Http404(_("No such image."))
        if image.is_usable_at(timezone.now()):
            return HttpResponseRedirect(thumbnail_url(image))
        with default_storage.open(image.file, "rb") as source:
            (output,) = imaging.render(source.read(), [imaging.Spec("320w", 320)], ["jpeg"])
        response = HttpResponse(output.data, content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=300"
        return response

    def save_model(self, request, obj: Image, form, change):
        fields = {name: form.cleaned_data.get(name) for name in services.EDITABLE if name in form.cleaned_data}
        if "creator_author" in form.changed_data:
            fields["creator_author"] = form.cleaned_data.get("creator_author") or None
        if change:
            services.image_update(image_id=obj.pk, by=request.user, data=fields)
            return
        image, created = services.image_create(
            data=form.upload_data,
            probe=form.upload_probe,
            by=request.user,
            **{key: value for key, value in fields.items() if value not in (None, "")},
        )
        obj.pk = image.pk
        obj._state.adding = False
        if not created:
            self.message_user(
                request, _("This exact photo was already uploaded; showing it instead."), messages.WARNING
            )

    def save_related(self, request, form, formsets, change):
        pass  # no inlines or many-to-many fields; the service saved everything

    def delete_model(self, request, obj):
        try:
            services.image_delete(image_id=obj.pk, by=request.user)
        except services.ImageInUse as error:
            self.message_user(request, str(error), messages.ERROR)

    def delete_queryset(self, request, queryset):
        for image in queryset:
            self.delete_model(request, image)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "default_license", "credit_format", "url", "image_count"]
    fields = ["name", "url", "default_license", "credit_format"]
    search_fields = ["name"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_images=models.Count("images")).order_by("name")

    @admin.display(description=_("image count"), ordering="n_images")
    def image_count(self, obj) -> int:
        return obj.n_images

    def save_model(self, request, obj, form, change):
        services.agency_save(agency=obj, by=request.user)

    def delete_model(self, request, obj):
        # The confirmation page already lists the photos that protect an agency; the service
        # keeps the rule (and the right to delete) for every door.
        services.agency_delete(agency=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for agency in queryset:
            services.agency_delete(agency=agency, by=request.user)
