"""The article desk's forms: the article's own fields, and rows with an optional position."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget

from .. import services
from ..models import Article, Block
from ..text import LINK_SCHEMES, html_to_text, split_paragraphs


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


# The paragraph editor offers exactly the inline HTML the sanitiser keeps (articles.text):
# bold, italic, sub- and superscript, line breaks and http(s) links. Paste from Word, WPS or a
# WeChat article arrives as those marks and paragraphs; every other tag keeps only its text.
PARAGRAPH_EDITOR = {
    "Bold": True,
    "Italic": True,
    "Subscript": True,
    "Superscript": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": sorted(LINK_SCHEMES)},
    "History": True,
}


# What an untouched editor holds: no block.
_EMPTY_EDITOR = re.compile(r"</?p>|<br\s*/?>|\s+")


class BlockForm(PositionedForm):
    """One row of the body. Each type shows its own fields (the desk's script hides the rest):
    a paragraph its rich text, a heading its text, a quote its text and attribution, an image
    its photo and caption. A paragraph holding several (a paste) becomes that many blocks."""

    html = ProseEditorFormField(label=_("paragraph"), required=False, extensions=PARAGRAPH_EDITOR)

    class Meta:
        model = Block
        fields = ["position", "type", "html", "text", "attribution", "image"]
        labels = {"text": _("text or caption")}
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2, "cols": 40, "placeholder": _("text or caption")}),
            "html": forms.Textarea(attrs={"rows": 3}),
            "attribution": forms.TextInput(attrs={"size": 12, "placeholder": _("attribution")}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["html"].widget = AdminProseEditorWidget()
        self.fields["html"].widget.config = self.fields["html"].config
        self.fields["html"].widget.preset = self.fields["html"].preset
        self.fields["type"].widget.attrs["class"] = "block-type"
        if self.instance.pk and self.instance.type == Block.Type.PARAGRAPH:
            self.initial["html"], self.initial["text"] = self.instance.text, ""

    def clean(self):
        data = super().clean()
        data["more_paragraphs"] = []
        if data.get("DELETE"):
            return data
        kind, html, text = data.get("type", ""), data.get("html") or "", data.get("text") or ""
        if kind == Block.Type.PARAGRAPH:
            # Typed under another type first, then switched: what is there is kept.
            paragraphs = split_paragraphs(html) or split_paragraphs(text)
        else:
            paragraphs = [text or html_to_text(html)] if (text or html) else []
        if not paragraphs and not data.get("image"):
            if _EMPTY_EDITOR.sub("", html + text):
                paragraphs = [html or text]  # markup and no text (a lone script): refused below, and said why
            else:
                data["text"] = ""
                return data  # an empty row: not a block
        first, *more = paragraphs or [""]
        blocks = []
        try:
            for piece in [first, *more]:
                blocks.append(
                    services.clean_block_for_admin(
                        type=kind, text=piece, attribution=data.get("attribution", ""), image=data.get("image")
                    )
                )
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict.get("body", error.messages)) from error
        data["text"], data["attribution"] = blocks[0].text, blocks[0].attribution
        data["more_paragraphs"] = [block.text for block in blocks[1:]]
        return data


def who(user) -> str:
    if user is None:
        return _("the scheduler")
    return user.get_full_name() or user.get_username()


def change_line(revision) -> str:
    when = timezone.localtime(revision.created_at).strftime("%m-%d %H:%M:%S")
    return _("%(who)s %(action)s at %(when)s (version %(version)d)") % {
        "who": who(revision.created_by),
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
        lines = _("; ").join(change_line(r) for r in changes) or _("the page did not send the version it opened")
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
