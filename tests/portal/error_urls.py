"""A URL that fails as a bug would, for the error report test only."""

from django.urls import path


def broken(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("broken/", broken)]
