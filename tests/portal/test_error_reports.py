"""With SENTRY_DSN set, an unhandled error reaches the error server, by Sentry's published
envelope protocol (a local server stands in for sentry.io), without cookies or user details."""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk
from django.test import Client

from portal import error_reports


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append((self.path, body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def error_server():
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://public-key@127.0.0.1:{server.server_port}/42", _Receiver.received
    server.shutdown()
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: nothing is sent after this test


def _events(received) -> list[dict]:
    events = []
    for path, body in received:
        assert path == "/api/42/envelope/"
        lines = body.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                events.append(json.loads(payload))
    return events


def test_nothing_starts_without_a_dsn():
    assert error_reports.init("", environment="test", release="") is False


@pytest.mark.urls("tests.portal.error_urls")
@pytest.mark.django_db
def test_an_unhandled_error_is_reported_without_personal_details(error_server, editor):
    dsn, received = error_server
    assert error_reports.init(dsn, environment="test", release="portal@1") is True
    client = Client(raise_request_exception=False)
    client.force_login(editor)

    response = client.get("/broken/", HTTP_AUTHORIZATION="Token secret-token")
    sentry_sdk.flush(timeout=5)

    assert response.status_code == 500
    (event,) = _events(received)
    (exception,) = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("RuntimeError", "a bug in a view")
    assert event["environment"] == "test" and event["release"] == "portal@1"
    request = event.get("request", {})
    assert "Cookie" not in request.get("headers", {}) and "cookies" not in request and not request.get("data")
    assert "secret-token" not in json.dumps(event) and "user" not in event


@pytest.mark.urls("tests.portal.error_urls")
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/broken-after-queries/?token=abc123secret&q=1", "/preview/TOKEN-S3cr3t-preview/"])
def test_no_session_key_sql_value_token_or_query_reaches_the_error_server(error_server, editor, path):
    dsn, received = error_server
    error_reports.init(dsn, environment="test", release="portal@1")
    client = Client(raise_request_exception=False)
    client.force_login(editor)  # a real session, saved in the database
    session_key = client.cookies["sessionid"].value

    response = client.get(
        path,
        HTTP_AUTHORIZATION="Token knox-secret-0001",
        HTTP_REFERER="http://127.0.0.1:8000/preview/REFERRED-S3cr3t/",
        HTTP_X_CSRFTOKEN="csrf-value-99",
    )
    sentry_sdk.flush(timeout=5)

    assert response.status_code == 500
    envelopes = b"".join(body for _, body in received).decode()
    (event,) = _events(received)
    assert event["exception"]["values"][0]["value"] == "a bug after some queries"
    queries = [c for c in event["breadcrumbs"]["values"] if c.get("category") == "query"]
    assert queries and all(not c.get("data") for c in queries)  # the shape of each query, no values
    for secret in (
        session_key,
        "TOKEN-S3cr3t-preview",
        "REFERRED-S3cr3t",
        "knox-secret-0001",
        "csrf-value-99",
        "abc123secret",
        "written-value-7731",
    ):
        assert secret not in envelopes, secret
    if "/preview/" in path:
        assert event["transaction"] == "/preview/[redacted]/"


@pytest.mark.django_db
def test_requests_we_send_carry_no_sentry_trace_headers(error_server):
    from distribution import outbound
    from tests.distribution import receiver as receiver_module

    dsn, _ = error_server
    error_reports.init(dsn, environment="test", release="portal@1")
    found, server = receiver_module.start()
    try:
        with sentry_sdk.start_transaction(name="a task sending a webhook", sampled=True):
            result = outbound.post(found.base + "/hook", b"{}", {}, allow_private=True)
    finally:
        server.shutdown()

    assert result.code == 200
    (request,) = found.requests
    sent = {name.lower() for name in request.headers}
    assert "sentry-trace" not in sent and "baggage" not in sent and "traceparent" not in sent


def test_a_log_line_naming_a_preview_path_has_no_token():
    import logging

    from core.logs import ContextFilter

    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/preview/abc.DEF-1/",), None
    )
    ContextFilter().filter(record)

    assert record.getMessage() == "Not Found: /preview/[redacted]/"


def test_the_access_log_has_no_preview_token():
    from types import SimpleNamespace

    from gunicorn.config import Config

    from core.access_log import RedactingLogger

    logger = RedactingLogger(Config())
    request = SimpleNamespace(
        method="GET",
        uri="/preview/abc.DEF-1/?x=1",
        path="/preview/abc.DEF-1/",
        query="x=1",
        version=(1, 1),
        headers=[("REFERER", "https://portal.example.cn/preview/REF-2/")],
    )
    response = SimpleNamespace(status="200 OK", headers=[], sent=10, response_length=10)
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/preview/abc.DEF-1/?x=1",
        "PATH_INFO": "/preview/abc.DEF-1/",
        "QUERY_STRING": "x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://portal.example.cn/preview/REF-2/",
    }

    atoms = logger.atoms(response, request, environ, __import__("datetime").timedelta(milliseconds=3))

    assert "abc.DEF-1" not in str(atoms) and "REF-2" not in str(atoms)
    assert atoms["r"] == "GET /preview/[redacted]/?x=1 HTTP/1.1"
