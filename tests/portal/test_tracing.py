"""Traces (OpenTelemetry): one trace follows a publish from the request through the outbox to
every consumer, with spans kept in memory instead of exported (portal/tracing.py)."""

import logging

import pytest
from django.test import Client
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from core import logs, outbox
from portal import tracing

pytestmark = pytest.mark.django_db

_exporter = InMemorySpanExporter()


@pytest.fixture
def spans():
    # A process has one tracer provider: the first test that needs it sets it up.
    tracing.init("portal-test", exporter=_exporter, processor_class=SimpleSpanProcessor)
    _exporter.clear()
    yield _exporter
    tracing.uninstrument()
    _exporter.clear()


def test_tracing_is_off_without_an_endpoint(monkeypatch):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)

    assert not tracing.enabled()


def test_one_trace_follows_a_publish_from_the_request_to_every_consumer(
    spans, editor_api, writer, django_capture_on_commit_callbacks
):
    from articles import services

    with django_capture_on_commit_callbacks(execute=True):
        draft = services.article_create(by=writer, title="追踪一次发布", summary="", body=[])
    spans.clear()

    # The relay runs after the request has answered (as a worker's would): it joins the
    # request's trace through the context the event carries.
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_api.post(f"/api/v1/editor/articles/{draft.pk}/publish/")

    assert response.status_code == 200
    finished = spans.get_finished_spans()
    request = next(span for span in finished if span.kind == SpanKind.SERVER)
    relay = next(span for span in finished if span.name == "outbox.relay article.published")
    consumed = {
        span.name.removeprefix("outbox.consume ") for span in finished if span.name.startswith("outbox.consume")
    }
    assert set(outbox.consumers()) == consumed
    assert {"documents", "search-index", "webhooks", "api-cache", "cdn-purge"} <= consumed
    assert relay.context.trace_id == request.context.trace_id
    assert relay.parent.span_id == request.context.span_id
    for span in finished:
        if span.name.startswith("outbox.consume"):
            assert span.context.trace_id == request.context.trace_id
            assert span.parent.span_id == relay.context.span_id


def test_a_change_made_without_a_trace_is_relayed_in_a_trace_of_its_own(
    spans, writer, django_capture_on_commit_callbacks
):
    from articles import services

    with django_capture_on_commit_callbacks(execute=True):
        services.article_create(by=writer, title="没有追踪的改动", summary="", body=[])

    relay = next(span for span in spans.get_finished_spans() if span.name.startswith("outbox.relay"))
    assert relay.parent is None


def test_health_checks_and_scrapes_are_not_traced(spans):
    Client().get("/healthz")

    assert not [span for span in spans.get_finished_spans() if span.kind == SpanKind.SERVER]


def test_a_log_line_carries_the_current_trace(spans):
    record = logging.LogRecord("portal.test", logging.WARNING, __file__, 1, "x", (), None)

    with trace.get_tracer("tests").start_as_current_span("work") as span:
        logs.ContextFilter().filter(record)

    assert record.trace_id == format(span.get_span_context().trace_id, "032x")
    assert record.span_id == format(span.get_span_context().span_id, "016x")


def test_a_request_span_is_named_by_route_and_continues_the_callers_trace(spans, write):
    article = write("按路由命名")
    caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    spans.clear()

    response = Client().get(
        f"/api/v1/articles/{article.pk}/", HTTP_TRACEPARENT=f"00-{caller_trace}-00f067aa0ba902b7-01"
    )

    assert response.status_code == 200
    server = next(span for span in spans.get_finished_spans() if span.kind == SpanKind.SERVER)
    assert server.name == "GET /api/v1/articles/{pk}/"
    assert format(server.context.trace_id, "032x") == caller_trace
    assert server.parent.span_id == 0x00F067AA0BA902B7
    assert server.attributes["http.response.status_code"] == 200
    assert server.attributes["url.path"] == f"/api/v1/articles/{article.pk}/"


def test_a_dropped_caller_decision_records_nothing(spans):
    Client().get("/api/v1/articles/", HTTP_TRACEPARENT="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")

    assert spans.get_finished_spans() == ()


def test_a_preview_token_never_reaches_a_trace(spans):
    Client().get("/preview/not-a-real-token.but-secret/")

    server = next(span for span in spans.get_finished_spans() if span.kind == SpanKind.SERVER)
    assert server.attributes["url.path"] == "/preview/[redacted]/"
    assert "but-secret" not in str(dict(server.attributes)) + server.name
