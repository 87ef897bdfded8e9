"""Traces (OpenTelemetry), off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.

Web processes (portal/wsgi.py) and each Celery worker process (`worker_process_init`: a prefork
child cannot use the parent's exporter thread) set up a tracer provider that exports over OTLP
(HTTP), and instrument Celery, psycopg and redis-py with OpenTelemetry's instrumentations.
Requests get their server span from `RequestSpanMiddleware` here rather than from
opentelemetry-instrumentation-django: measured on the cached article list, that middleware
cost about 300 microseconds a traced request (it resolves the URL a second time, builds the
absolute URL three times and sets some twenty attributes), more than the read itself, and a
tenth of the list's throughput at a 5% sample; ours records the semantic conventions' core
request attributes for a small part of that. One trace then follows a change:
the request, its queries, the outbox relay and every consumer (core/outbox.py carries the trace
context on the event, so a relay in a worker later joins the same trace), and the tasks they
queue (Celery carries the context in task headers).

The standard OTEL_* variables apply: OTEL_SERVICE_NAME (default portal-web / portal-worker),
OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (e.g. parentbased_traceidratio, 0.1),
OTEL_EXPORTER_OTLP_HEADERS for a collector that wants a key.
"""

from __future__ import annotations

import logging
import os

from core import redact

logger = logging.getLogger(__name__)

MIDDLEWARE = "portal.tracing.RequestSpanMiddleware"
# Health checks and scrapes are not worth a trace each.
UNTRACED = frozenset({"/healthz", "/readyz", "/metrics"})

_set_up = False  # the tracer provider (once per process)
_instrumented = False


def enabled() -> bool:
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def init(service: str, *, exporter=None, processor_class=None) -> bool:
    """Set tracing up in this process once; `exporter` replaces OTLP (tests). True if it is on."""
    global _set_up
    if _set_up:
        instrument()
        return True
    if exporter is None and not enabled():
        return False
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME") or service})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor((processor_class or BatchSpanProcessor)(exporter))
    trace.set_tracer_provider(provider)
    instrument()
    _set_up = True
    logger.info("tracing on: %s exports spans", service)
    return True


def instrument() -> None:
    """Requests (our middleware, outermost), Celery (tasks, with context in their headers),
    psycopg and redis-py."""
    global _instrumented
    if _instrumented:
        return
    from django.conf import settings
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    CeleryInstrumentor().instrument()
    PsycopgInstrumentor().instrument(enable_commenter=False, skip_dep_check=True)
    RedisInstrumentor().instrument()
    _instrumented = True


def uninstrument() -> None:
    """Undo `instrument()` (tests); the tracer provider stays, as OpenTelemetry allows one."""
    global _instrumented
    from django.conf import settings
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    settings.MIDDLEWARE = [path for path in settings.MIDDLEWARE if path != MIDDLEWARE]
    for instrumentor in (CeleryInstrumentor(), PsycopgInstrumentor(), RedisInstrumentor()):
        instrumentor.uninstrument()
    _instrumented = False


class RequestSpanMiddleware:
    """A server span per request, named `METHOD route` once the URL is resolved, continuing the
    caller's trace when it sends `traceparent`. The sampler decides at the start; a request it
    drops runs under a non-recording span, and no attribute is built for it."""

    def __init__(self, get_response):
        from opentelemetry import trace

        self.get_response = get_response
        self.tracer = trace.get_tracer("portal.requests")

    def __call__(self, request):
        if request.path_info in UNTRACED:
            return self.get_response(request)
        from opentelemetry import propagate
        from opentelemetry.trace import SpanKind, Status, StatusCode

        from core.metrics import route_name

        parent = propagate.extract(request.headers) if "HTTP_TRACEPARENT" in request.META else None
        method = request.method if request.method in _METHODS else "_OTHER"
        with self.tracer.start_as_current_span(method, context=parent, kind=SpanKind.SERVER) as span:
            response = self.get_response(request)
            if span.is_recording():
                match = request.resolver_match
                route = route_name(match.route) if match is not None else ""
                if route:
                    span.update_name(f"{method} /{route}")
                    span.set_attribute("http.route", f"/{route}")
                span.set_attributes(
                    {
                        "http.request.method": method,
                        "url.path": redact.path(request.path),  # a preview token is a key
                        "url.scheme": request.scheme,
                        "http.response.status_code": response.status_code,
                        "client.address": request.META.get("REMOTE_ADDR", ""),
                        "user_agent.original": request.META.get("HTTP_USER_AGENT", "")[:200],
                    }
                )
                if response.status_code >= 500:
                    span.set_status(Status(StatusCode.ERROR))
            return response

    def process_exception(self, request, exception):
        from opentelemetry import trace

        span = trace.get_current_span()
        if span.is_recording():
            span.record_exception(exception)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
