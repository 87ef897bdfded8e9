"""Structured logs: each line names its request (id, user), trace and task (core/logs.py)."""

import io
import json
import logging
import logging.config

import pytest
from django.test import Client

from core import logs
from portal.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines():
    """The JSON lines written while the test runs, as LOG_FORMAT=json writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    formatter_spec = dict(logs.config(level="INFO", fmt="json")["formatters"]["json"])
    factory = formatter_spec.pop("()")
    from django.utils.module_loading import import_string

    handler.setFormatter(import_string(factory)(fmt=formatter_spec.pop("format"), **formatter_spec))
    handler.addFilter(logs.ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_a_request_keeps_a_sane_id_from_the_proxy_and_gets_one_otherwise():
    kept = Client().get("/healthz", HTTP_X_REQUEST_ID="edge-7f3a9c2e-0001")
    made = Client().get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces\n")
    long = Client().get("/healthz", HTTP_X_REQUEST_ID="x" * 500)

    assert kept["X-Request-ID"] == "edge-7f3a9c2e-0001"
    assert len(made["X-Request-ID"]) == 32 and made["X-Request-ID"] != "bad id with spaces\n"
    assert len(long["X-Request-ID"]) == 32


def test_a_log_line_names_the_request_and_the_editor_behind_it(lines, editor_api, editor):
    response = editor_api.get("/api/v1/editor/articles/987654/", HTTP_X_REQUEST_ID="req-0000-1111-2222")

    assert response.status_code == 404
    line = next(line for line in lines() if line["logger"] == "django.request")
    assert line["request_id"] == "req-0000-1111-2222"
    assert line["user"] == f"{editor.pk}:{editor.get_username()}"
    assert line["level"] == "WARNING" and line["time"]
    assert line["task_id"] == "" and line["trace_id"] == ""


def test_a_reader_is_nobody_and_chinese_stays_readable(lines):
    Client().get("/api/v1/articles/987654/", HTTP_X_REQUEST_ID="req-reader-0001")
    logging.getLogger("portal.test").warning("稿件 %s 不存在", 987654)

    found = lines()
    request_line = next(line for line in found if line["logger"] == "django.request")
    assert request_line["user"] == ""
    assert any(line["message"] == "稿件 987654 不存在" for line in found)


@app.task(name="tests.core.log_inside_a_task")
def _log_inside_a_task():
    logging.getLogger("portal.test").warning("inside the task")


def test_a_log_line_in_a_task_names_the_task(lines):
    result = _log_inside_a_task.apply(task_id="task-42-abc")

    assert result.successful()
    line = next(line for line in lines() if line["message"] == "inside the task")
    assert line["task_id"] == "task-42-abc"
    assert line["request_id"] == ""
