"""Saving the article page: the whole page goes to the services in one call, as over the API;
a refusal comes back on the form with everything the editor typed."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.fields import is_whole_number

from .. import selectors, services
from ..models import Article, Correction


def _refused(article: Article, error: Exception) -> str:
    reasons = "; ".join(getattr(error, "messages", None) or [str(error)])
    return _("“%(title)s”: %(reason)s") % {"title": article.title, "reason": reasons}


# Each workflow move the page offers: its service, what a success says, and what a bulk
# action says of several.
_MOVES = {
    "publish": (
        services.article_publish,
        _("“%(title)s” is published."),
        lambda n: ngettext("%(count)d article published.", "%(count)d articles published.", n),
    ),
    "submit": (
        services.article_submit,
        _("“%(title)s” is submitted for review."),
        lambda n: ngettext("%(count)d article submitted for review.", "%(count)d articles submitted for review.", n),
    ),
    "unpublish": (
        services.article_unpublish,
        _("“%(title)s” is unpublished (archived)."),
        lambda n: ngettext("%(count)d article unpublished.", "%(count)d articles unpublished.", n),
    ),
    "unschedule": (
        services.article_unschedule,
        _("The schedule of “%(title)s” is cancelled; it is a draft again."),
        lambda n: ngettext(
            "%(count)d schedule cancelled; those articles are drafts again.",
            "%(count)d schedules cancelled; those articles are drafts again.",
            n,
        ),
    ),
}
_BUTTONS = (("_publish", "publish"), ("_submit", "submit"), ("_unpublish", "unpublish"))


def _row_data(form: forms.ModelForm, change: bool) -> dict:
    """The article's own fields as `article_create`/`article_update` take them."""
    cleaned = form.cleaned_data
    data = {f: cleaned[f] for f in services.ROW_FIELDS if f in cleaned and f != "slug"}
    if "tags" in cleaned:
        data["tags"] = list(cleaned["tags"])
    # A slug typed now is asked for; otherwise the services keep it (or follow the title).
    if cleaned.get("slug") and ("slug" in form.changed_data or not change):
        data["slug"] = cleaned["slug"]
    return data


def _rows_in_order(formset) -> list[dict]:
    """The cleaned rows the editor kept, in page order: typed positions first, in their order,
    then rows without one where they stand. Empty extra rows are not rows."""
    kept = [
        (index, form.cleaned_data)
        for index, form in enumerate(formset.forms)
        if form.cleaned_data and not form.cleaned_data.get("DELETE") and (form.has_changed() or form.instance.pk)
    ]
    kept.sort(key=lambda pair: (pair[1].get("position") is None, pair[1].get("position") or 0, pair[0]))
    return [row for _, row in kept]


def _blocks_of(row: dict) -> list:
    """A body row as blocks: none if empty, several for a paragraph holding several (a paste)."""
    if not (row.get("text") or row.get("image")):
        return []
    first = services.BlockInput(
        type=row["type"], text=row.get("text", ""), attribution=row.get("attribution", ""), image=row.get("image")
    )
    more = [services.BlockInput(type=row["type"], text=text) for text in row.get("more_paragraphs", ())]
    return [first, *more]


class SavingMixin:
    """`ArticleAdmin`'s save, its buttons and bulk actions: every write through `articles.services`."""

    # --- conflict-safe editing ---------------------------------------------------

    # Inlines whose posted rows come back as new rows on a refused page (the saved ones may be gone).
    REPLACEABLE_INLINES = ("bylines", "blocks", "picks")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        conflict = getattr(request, "_article_conflict", None)
        refused = getattr(request, "_article_refused", None)
        if conflict is None and refused is None:
            return form
        return type(form.__name__, (form,), {"conflict": conflict, "refused": refused})

    def _catch_stale_post(self, request, object_id: str) -> None:
        """A form opened on an older version is refused, and comes back as the editor's text on the newest one.

        The posted rows of the body, bylines and related picks become new rows (the saved ones
        may be gone); saving that page again replaces what the other save wrote, as every save does.
        """
        if not is_whole_number(object_id):
            return
        current = Article.objects.filter(pk=object_id).values_list("version", flat=True).first()
        opened = request.POST.get("opened_version", "")
        if current is None or opened == str(current):
            return
        changes = selectors.revisions_since(
            article_id=int(object_id), version=int(opened) if is_whole_number(opened) else 0
        )
        data = request.POST.copy()
        data["opened_version"] = str(current)
        for prefix in self.REPLACEABLE_INLINES:
            total = int(data.get(f"{prefix}-TOTAL_FORMS", "0") or 0)
            if f"{prefix}-INITIAL_FORMS" in data:
                data[f"{prefix}-INITIAL_FORMS"] = "0"
            for index in range(total):
                # A row the editor marked for deletion keeps its mark: as a new row it is then not saved.
                data[f"{prefix}-{index}-id"] = ""
        request.POST = data
        request._article_conflict = changes

    # --- saving: the form and its inlines go to the services in one call, as over the API ---------

    def save_model(self, request, obj: Article, form, change):
        """Nothing is written here: `save_related` gives the whole page to `article_create` or
        `article_update`, so every rule of the API (rights, version, slug, cleaning, revision,
        change stream) holds for the admin too."""

    def save_related(self, request, form, formsets, change):
        inlines = {formset.prefix: formset for formset in formsets}
        data = _row_data(form, change)
        # An inline the user was not shown leaves its rows as they are.
        if "bylines" in inlines:
            data["bylines"] = [
                services.BylineInput(author=row["author"], role=row.get("role") or "文", outlet=row.get("outlet"))
                for row in _rows_in_order(inlines["bylines"])
            ]
        if "blocks" in inlines:
            data["body"] = [block for row in _rows_in_order(inlines["blocks"]) for block in _blocks_of(row)]
        if "picks" in inlines:
            data["related"] = [row["to_article"] for row in _rows_in_order(inlines["picks"])]
        if change:
            article = services.article_update(
                article_id=form.instance.pk,
                by=request.user,
                expected_version=form.cleaned_data.get("opened_version"),
                data=data,
            )
        else:
            article = services.article_create(by=request.user, **data)
        for formset in formsets:
            if formset.model is Correction:  # only new rows carry text: kept ones are read-only
                for row in _rows_in_order(formset):
                    if row.get("text"):
                        services.correction_add(article_id=article.pk, by=request.user, text=row["text"])
            # What the admin's history line reads (nothing was saved through the formsets).
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        # The page's object becomes the saved article (its id for a new one, its version...).
        form.instance.pk = article.pk
        form.instance.refresh_from_db()
        form.instance._state.adding = False
        request._schedule_at = form.cleaned_data.get("schedule_at")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id:
            self._catch_stale_post(request, object_id)
        elif request.method == "GET" and object_id and is_whole_number(object_id):
            article = self.get_queryset(request).filter(pk=object_id).only("version", "status", "created_by").first()
            # Only someone who may change the article holds the soft lock; a reader is not "editing".
            if article is not None and self.has_change_permission(request, article):
                services.edit_session_touch(article_id=article.pk, user=request.user, opened_version=article.version)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.ArticleVersionConflict:
            # Saved by someone else between the page's check and the save (rolled back): the
            # page comes back with their changes named and the editor's text in place.
            self._catch_stale_post(request, object_id)
        except (ValidationError, services.SlugConflict, services.ArticleStateError, PermissionDenied) as error:
            # The services refused what the form let through (rolled back): the page comes back
            # with the reason and everything the editor typed.
            request._article_refused = error
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _run_transition(self, request, article: Article, action: str) -> bool:
        service, done, _bulk = _MOVES[action]
        try:
            service(article_id=article.pk, by=request.user)
        except services.ArticleStateError as error:
            self.message_user(request, _refused(article, error), messages.WARNING)
        except PermissionDenied as error:
            self.message_user(request, _refused(article, error), messages.ERROR)
        else:
            self.message_user(request, done % {"title": article.title}, messages.SUCCESS)
            return True
        return False

    def _schedule_button(self, request, obj) -> bool:
        if "_schedule" in request.POST:
            at = request._schedule_at
            try:
                services.article_schedule(article_id=obj.pk, by=request.user, at=at)
            except (services.ArticleStateError, PermissionDenied, ValidationError) as error:
                self.message_user(request, _refused(obj, error), messages.ERROR)
            else:
                when = timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")
                self.message_user(
                    request,
                    _("“%(title)s” goes out at %(when)s.") % {"title": obj.title, "when": when},
                    messages.SUCCESS,
                )
            return True
        if "_unschedule" in request.POST:
            self._run_transition(request, obj, "unschedule")
            return True
        return False

    def response_change(self, request, obj):
        if self._schedule_button(request, obj):
            return HttpResponseRedirect(request.path)
        for name, action in _BUTTONS:
            if name in request.POST:
                self._run_transition(request, obj, action)
                return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        if self._schedule_button(request, obj):
            return HttpResponseRedirect(f"../{obj.pk}/change/")
        for name, action in _BUTTONS:
            if name in request.POST:
                self._run_transition(request, obj, action)
                return HttpResponseRedirect(f"../{obj.pk}/change/")
        return super().response_add(request, obj, post_url_continue)

    def _bulk(self, request, queryset, action: str) -> None:
        changed = sum(self._run_transition(request, article, action) for article in queryset)
        if changed > 1:
            self.message_user(request, _MOVES[action][2](changed) % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Publish selected articles now"), permissions=["change"])
    def publish_selected(self, request, queryset):
        self._bulk(request, queryset, "publish")

    @admin.action(description=_("Submit selected drafts for review"), permissions=["change"])
    def submit_selected(self, request, queryset):
        self._bulk(request, queryset, "submit")

    @admin.action(description=_("Unpublish selected articles"), permissions=["change"])
    def unpublish_selected(self, request, queryset):
        self._bulk(request, queryset, "unpublish")

    @admin.action(description=_("Cancel the schedule of selected articles"), permissions=["change"])
    def unschedule_selected(self, request, queryset):
        self._bulk(request, queryset, "unschedule")
