"""Property-based fuzzing of every operation in the project's own OpenAPI schema (issue 13).

Schemathesis generates requests from `/api/schema/` (valid and invalid bodies, parameters and
paths) and sends them to the WSGI app, anonymously and with a token of each role: no answer
may be a 5xx, and every answer must match the schema (status codes, content types and bodies,
4xx bodies included). Runs on PostgreSQL, where NUL bytes and odd numbers once answered 500;
`FUZZ_EXAMPLES` sets the examples per operation (CI keeps the whole run under five minutes).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from portal.wsgi import application

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
ROLES = ["anonymous", "writer", "editor", "photo_editor"]
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]

schema = schemathesis.pytest.from_fixture("api_schema")
# What the run did, printed at the end of the session (tests/fuzz/conftest.py).
COUNTS = {"operations": set(), "requests": 0, "server_errors": 0}


@pytest.fixture
def api_schema(db):
    if connection.vendor != "postgresql":
        pytest.skip("the fuzzing runs on PostgreSQL (CI's services pass): DATABASE_URL=postgres://...")
    # Each operation's requests run inside the test's transaction, rolled back after it: the app
    # must not close the connection after each request, as Django's own test client arranges.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(django_user_model) -> dict[str, dict]:
    """`Authorization` for each role (none for anonymous), with something to read and change."""
    from django.contrib.auth.models import Group
    from knox.models import AuthToken

    from tests.articles.factories import ArticleFactory

    ArticleFactory.create_batch(3)
    headers: dict[str, dict] = {"anonymous": {}}
    for role in ROLES[1:]:
        user = django_user_model.objects.create_user(username=f"fuzz-{role}", password="fuzz-pw", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        _, key = AuthToken.objects.create(user=user)
        headers[role] = {"Authorization": f"Token {key}"}
    return headers


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,
)
def test_no_operation_answers_5xx_or_off_schema(case, tokens):
    for role, headers in tokens.items():
        response = case.call(headers=headers)
        COUNTS["operations"].add(case.operation.label)
        COUNTS["requests"] += 1
        COUNTS["server_errors"] += response.status_code >= 500
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as error:
            raise AssertionError(f"as {role}: {error}") from error
