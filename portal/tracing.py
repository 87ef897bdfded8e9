"""Traces (OpenTelemetry), off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.

Web processes (portal/wsgi.py) and each Celery worker process (`worker_process_init`: a prefork
child cannot use the parent's exporter thread) set up a tracer provider that exports over OTLP
(HTTP), and instrument Django, Celery, psycopg and redis-py. One trace then follows a change:
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

logger = logging.getLogger(__name__)

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
    """Django (requests), Celery (tasks, with context in their headers), psycopg, redis-py."""
    global _instrumented
    if _instrumented:
        return
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    # Health checks and scrapes are not worth a trace each.
    excluded = os.environ.get("OTEL_PYTHON_DJANGO_EXCLUDED_URLS", "healthz,readyz,metrics")
    DjangoInstrumentor().instrument(excluded_urls=excluded)
    CeleryInstrumentor().instrument()
    PsycopgInstrumentor().instrument(enable_commenter=False, skip_dep_check=True)
    RedisInstrumentor().instrument()
    _instrumented = True


def uninstrument() -> None:
    """Undo `instrument()` (tests); the tracer provider stays, as OpenTelemetry allows one."""
    global _instrumented
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    for instrumentor in (DjangoInstrumentor(), CeleryInstrumentor(), PsycopgInstrumentor(), RedisInstrumentor()):
        instrumentor.uninstrument()
    _instrumented = False  # the tracer provider (once per process)


_instrumented = False
