"""Log lines that say whose request or which task they belong to.

`RequestIdMiddleware` gives every request an id (the proxy's `X-Request-ID` when it is sane, else
a new one) and answers with it; `ContextFilter` adds to each record the request id, the user (once
the request has authenticated one: a log line never makes the first database query), the trace
and span ids of the current OpenTelemetry span, and the Celery task id in a worker. With
`LOG_FORMAT=json` (the default outside DEBUG) python-json-logger writes one JSON object a line;
`make run` keeps plain text.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from . import redact

_request: ContextVar = ContextVar("portal_log_request", default=None)
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
HEADER = "X-Request-ID"


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.headers.get(HEADER, "")
        request.request_id = sent if _SANE_ID.fullmatch(sent) else uuid.uuid4().hex
        token = _request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        response[HEADER] = request.request_id
        return response


def _user(request) -> str:
    from django.utils.functional import empty

    user = request.__dict__.get("user")
    if user is None:
        return ""
    wrapped = getattr(user, "_wrapped", user)  # a lazy user not yet looked up stays unknown
    if wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return ""
    return f"{wrapped.pk}:{wrapped.get_username()}"


def _task_id() -> str:
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - Celery is a dependency
        return ""
    task = current_task
    request = getattr(task, "request", None) if task else None
    return getattr(request, "id", None) or ""


def _trace() -> tuple[str, str]:
    try:
        from opentelemetry import trace
    except ImportError:  # pragma: no cover - a dependency
        return "", ""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid or not context.trace_flags.sampled:  # a dropped trace is nowhere to find
        return "", ""
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


class ContextFilter(logging.Filter):
    """Adds request_id, user, trace_id, span_id and task_id (blank when there is none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # "Not Found: /preview/<token>/": the token is a key to an unpublished article.
        message = record.getMessage()
        if "/preview/" in message:
            record.msg, record.args = redact.path(message), ()
        # Django's own request log lines (4xx, 5xx) come after the middleware, naming the request.
        request = getattr(record, "request", None) or _request.get()
        record.request_id = getattr(request, "request_id", "") if request is not None else ""
        record.user = _user(request) if request is not None else ""
        record.trace_id, record.span_id = _trace()
        record.task_id = _task_id()
        return True


def config(*, level: str, fmt: str) -> dict:
    """The LOGGING setting: `fmt` "json" (one object a line) or "plain" (people reading a terminal)."""
    formatters = {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user)s "
            "%(trace_id)s %(span_id)s %(task_id)s %(process)d",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            "json_ensure_ascii": False,  # Chinese titles stay readable
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "core.logs.ContextFilter"}},
        "formatters": formatters,
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if fmt == "json" else "plain",
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "INFO"}},
    }
