"""URLs that fail as a bug would, for the error report tests only."""

from django.contrib.sessions.models import Session
from django.urls import path


def broken(request):
    raise RuntimeError("a bug in a view")


def broken_after_queries(request, token=""):
    # What a real request does before failing: its session read (the key in the query), a lookup
    # by a secret-looking value, and a write.
    bool(request.user.is_authenticated)
    secret = token or request.GET.get("token", "")
    Session.objects.filter(session_key="tok-" + secret).exists()
    # Made at run time, so the report's source lines cannot hold it.
    Session.objects.filter(session_key="nothing-such").update(session_data="written-value-" + str(7000 + 731))
    raise RuntimeError("a bug after some queries")


urlpatterns = [
    path("broken/", broken),
    path("broken-after-queries/", broken_after_queries),
    path("preview/<str:token>/", broken_after_queries),
]
