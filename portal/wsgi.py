"""WSGI entry point for gunicorn (and runserver): tracing first, when configured, so Django's
instrumentation wraps every middleware."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

from portal import tracing  # noqa: E402 - after the settings module is named

tracing.init("portal-web")
application = get_wsgi_application()
