"""The desk's own pages beside the change form: revisions with a diff, presence, what goes out next."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.fields import is_whole_number
from media.models import Image
from media.representation import thumbnail_url

from .. import diff, preview, selectors, services
from ..models import Article
from .forms import change_line, who


class DeskPagesMixin:
    """Revisions (list, one with its diff, restore), the presence heartbeat, the schedule page,
    revoking preview links."""

    # --- extra pages: revisions, presence, schedule ------------------------------------

    def get_urls(self):
        own = [
            path("schedule/", self.admin_site.admin_view(self.schedule_view), name="articles_article_schedule"),
            path(
                "<int:object_id>/revisions/",
                self.admin_site.admin_view(self.revisions_view),
                name="articles_article_revisions",
            ),
            path(
                "<int:object_id>/revisions/<int:number>/",
                self.admin_site.admin_view(self.revision_view),
                name="articles_article_revision",
            ),
            path(
                "<int:object_id>/presence/",
                self.admin_site.admin_view(self.presence_view),
                name="articles_article_presence",
            ),
            path(
                "<int:object_id>/preview/revoke/",
                self.admin_site.admin_view(self.preview_revoke_view),
                name="articles_article_preview_revoke",
            ),
        ]
        return own + super().get_urls()

    def preview_revoke_view(self, request, object_id: int):
        """POST: every preview link of the article stops working (a link sent to the wrong person)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article_or_404(request, object_id)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        count = preview.preview_links_revoke(article_id=article.pk, by=request.user)
        self.message_user(
            request,
            ngettext(
                "Revoked %(count)d preview link; opening this page again makes a new one.",
                "Revoked %(count)d preview links; opening this page again makes a new one.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    def _article_or_404(self, request, object_id: int) -> Article:
        article = self.get_queryset(request).filter(pk=object_id).first()
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404(_("There is no such article, or you may not see it."))
        return article

    def revisions_view(self, request, object_id: int):
        article = self._article_or_404(request, object_id)
        revisions = list(selectors.revision_list(article_id=article.pk)[:200])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Revisions: %(title)s") % {"title": article.title},
            "article": article,
            "revisions": revisions,
        }
        return TemplateResponse(request, "admin/articles/article/revisions.html", context)

    def revision_view(self, request, object_id: int, number: int):
        article = self._article_or_404(request, object_id)
        revision = selectors.revision_get(article_id=article.pk, number=number)
        if revision is None:
            raise Http404(_("This article has no revision %(number)d.") % {"number": number})
        if request.method == "POST":
            return self._restore(request, article, revision)
        previous = selectors.revision_before(revision)
        changes = diff.revision_diff(previous.data if previous else None, revision.data)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Revision #%(number)d: %(title)s") % {"number": revision.number, "title": article.title},
            "article": article,
            "revision": revision,
            "previous": previous,
            "title_diff": diff.segments_html(changes["title"]),
            "summary_diff": diff.segments_html(changes["summary"]),
            "summary_changed": diff.has_changes(changes["summary"]),
            "body_diff": diff.body_html(changes["body"], _thumbnails(diff.image_ids(changes["body"]))),
            "field_changes": changes["fields"],
            "can_restore": self.has_change_permission(request, article),
        }
        return TemplateResponse(request, "admin/articles/article/revision.html", context)

    def _restore(self, request, article: Article, revision):
        try:
            services.article_restore(article_id=article.pk, number=revision.number, by=request.user)
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.path)
        self.message_user(
            request,
            _("Restored revision #%(number)d; it is saved as a new revision.") % {"number": revision.number},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    def presence_view(self, request, object_id: int):
        """The page's heartbeat: keeps this user's soft lock, answers who else is here and what changed."""
        if request.method != "POST":
            return JsonResponse({"detail": _("Method not allowed.")}, status=405)
        article = self.get_queryset(request).filter(pk=object_id).only("id", "version", "status", "created_by").first()
        if article is None:
            return JsonResponse({"detail": _("There is no such article.")}, status=404)
        if request.POST.get("leave"):
            services.edit_session_leave(article_id=article.pk, user=request.user)
            return JsonResponse({"left": True})
        if self.has_change_permission(request, article):  # someone only reading is not editing
            services.edit_session_touch(article_id=article.pk, user=request.user)
        seen = request.POST.get("version", "")
        changes = selectors.revisions_since(article_id=article.pk, version=int(seen)) if is_whole_number(seen) else []
        return JsonResponse(
            {
                "version": article.version,
                "others": [
                    {"name": who(s.user), "since": timezone.localtime(s.opened_at).strftime("%H:%M")}
                    for s in selectors.others_editing(article_id=article.pk, user=request.user)
                ],
                "changes": [change_line(r) for r in changes],
            }
        )

    def schedule_view(self, request):
        """What goes out next, soonest first; anything already due but not flipped yet is flagged."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            chosen = request.POST.get("cancel", "")
            article = self.get_queryset(request).filter(pk=chosen).first() if is_whole_number(chosen) else None
            if article is None:
                self.message_user(request, _("There is no such article."), messages.ERROR)
            else:
                self._run_transition(request, article, "unschedule")
            return HttpResponseRedirect(request.path)
        now = timezone.now()
        articles = list(
            self.get_queryset(request)
            .filter(status=Article.Status.SCHEDULED)
            .select_related("updated_by")
            .order_by("published_at", "id")
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Publishing schedule"),
            "rows": [{"article": a, "due": a.published_at <= now} for a in articles],
            "now": now,
        }
        return TemplateResponse(request, "admin/articles/article/schedule.html", context)


def _thumbnails(image_ids: set[int]) -> dict[int, str]:
    return {image.pk: thumbnail_url(image) for image in Image.objects.filter(pk__in=image_ids)}
