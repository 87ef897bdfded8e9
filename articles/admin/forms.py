"""The article desk's forms: the article's own fields, and rows with an optional position."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import Article, Block


class PositionedForm(forms.ModelForm):
    """Position is optional: rows without one keep the order they have on the page."""

    position = forms.IntegerField(
        label=_("position"), required=False, min_value=0, widget=forms.NumberInput(attrs={"style": "width: 4em"})
    )


# Django's own autocomplete first, then ours, which adds thumbnails to image choosers.
IMAGE_CHOOSER_JS = [
    "admin/js/vendor/jquery/jquery.js",
    "admin/js/vendor/select2/select2.full.js",
    "admin/js/jquery.init.js",
    "admin/js/autocomplete.js",
    "articles/admin/image-autocomplete.js",
]


class BlockForm(PositionedForm):
    class Meta:
        model = Block
        fields = ["position", "type", "text", "attribution", "image"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3, "cols": 40}),
            "attribution": forms.TextInput(attrs={"size": 8}),
        }

    def clean(self):
        data = super().clean()
        if self.cleaned_data.get("DELETE") or not (data.get("text") or data.get("image")):
            return data
        try:
            block = services.clean_block_for_admin(
                type=data.get("type", ""),
                text=data.get("text", ""),
                attribution=data.get("attribution", ""),
                image=data.get("image"),
            )
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict.get("body", error.messages)) from error
        data["text"], data["attribution"] = block.text, block.attribution
        return data


def _who(user) -> str:
    if user is None:
        return _("the scheduler")
    return user.get_full_name() or user.get_username()


def _change_line(revision) -> str:
    when = timezone.localtime(revision.created_at).strftime("%m-%d %H:%M:%S")
    return _("%(who)s %(action)s at %(when)s (version %(version)d)") % {
        "who": _who(revision.created_by),
        "when": when,
        "action": revision.get_action_display(),
        "version": revision.version,
    }


class ArticleForm(forms.ModelForm):
    """The article's own fields, plus the version the editor opened and an optional schedule time."""

    opened_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    schedule_at = forms.DateTimeField(
        label=_("publish at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"),
        help_text=_("For “Save and schedule”: the time, to the second, in the newsroom's time zone."),
    )

    # Set by ArticleAdmin when the page was opened on an older version than the one saved now.
    conflict: list | None = None

    # Set by ArticleAdmin when the services refused the save (a race the form could not see).
    refused: Exception | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["opened_version"] = self.instance.version
        if self.instance.pk and self.instance.status == Article.Status.SCHEDULED:
            self.initial.setdefault("schedule_at", timezone.localtime(self.instance.published_at))
        if self.instance.pk and self.instance.has_been_published and "slug" in self.fields:
            # The services refuse a new slug once published (old links would die): not offered.
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = _("Fixed once published: links to the article keep working.")

    def clean(self):
        data = super().clean()
        if self.conflict is not None:
            self._refuse_stale(self.conflict)
        if self.refused is not None:
            self._show_refusal(self.refused)
        if "_schedule" in self.data:
            at = data.get("schedule_at")
            if at is None and "schedule_at" not in self.errors:
                self.add_error("schedule_at", _("Give the time to publish at."))
            elif at is not None:
                try:
                    services.schedule_time_check(at)
                except ValidationError as error:
                    self.add_error("schedule_at", error.message_dict["at"])
        return data

    def _refuse_stale(self, changes: list) -> None:
        lines = _("; ").join(_change_line(r) for r in changes) or _("the page did not send the version it opened")
        raise forms.ValidationError(
            _(
                "Not saved: the article changed after you opened it (%(changes)s). What you typed is still in "
                "the form below, nothing is lost. Look at the newest version or the revisions in a new window "
                "and merge, then save: saving again keeps what you typed."
            )
            % {"changes": lines},
            code="stale",
        )

    def _show_refusal(self, error: Exception) -> None:
        """The services' reasons, on the fields they name (the rest above the form)."""
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for field, messages_ in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages_)
            return
        raise forms.ValidationError(_("Not saved: %(reason)s") % {"reason": error}, code="refused")

    original_url = forms.URLField(label=_("original URL"), max_length=500, required=False, assume_scheme="https")
    slug = forms.SlugField(
        widget=forms.TextInput(attrs={"size": 80}),
        label=_("slug"),
        max_length=100,
        required=False,
        help_text=_("Leave blank to make one from the title (pinyin). Fixed once published."),
    )

    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "summary",
            "section",
            "tags",
            "source",
            "original_url",
            "lead_image",
            "lead_image_caption",
        ]
        widgets = {
            "title": forms.TextInput(attrs={"size": 80, "class": "vLargeTextField"}),
            "summary": forms.Textarea(attrs={"rows": 2, "cols": 80, "maxlength": 120}),
        }
