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
