"""API tokens (issue 13): stored hashed, expiring, one per login, listed and revoked by their
owner, all revoked when the password changes."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

EDITOR_ARTICLES = "/api/v1/editor/articles/"


def _login(username="editor1", password="pw-editor1") -> tuple[str, dict]:
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"], response.json()


def _as(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_is_stored_only_as_its_digest_and_expires(editor):
    token, body = _login()

    assert _as(token).get(EDITOR_ARTICLES).status_code == 200
    stored = AuthToken.objects.get(user=editor)
    assert token not in (stored.digest, stored.token_key) and stored.token_key == token[:15]
    with connection.cursor() as cursor:  # nowhere in its table in plain text
        cursor.execute(f"SELECT * FROM {AuthToken._meta.db_table}")
        assert not any(token in str(value) for row in cursor.fetchall() for value in row)
    expiry = timezone.datetime.fromisoformat(body["expiry"])
    assert timedelta(days=6) < expiry - timezone.now() <= timedelta(days=7)

    AuthToken.objects.filter(user=editor).update(expiry=timezone.now() - timedelta(seconds=1))
    assert _as(token).get(EDITOR_ARTICLES).status_code == 401


def test_every_login_is_a_token_of_its_own_listed_and_revoked_by_its_owner(editor, writer):
    laptop, _ = _login()
    phone, _ = _login()
    assert laptop != phone
    theirs, _ = _login("writer1", "pw-writer1")

    listed = _as(laptop).get("/api/v1/auth/tokens/").json()
    assert [(t["id"], t["current"]) for t in listed] == [(phone[:15], False), (laptop[:15], True)]
    assert all(set(t) == {"id", "created", "expiry", "current"} for t in listed)

    assert _as(laptop).delete(f"/api/v1/auth/tokens/{phone[:15]}/").status_code == 204
    assert _as(phone).get(EDITOR_ARTICLES).status_code == 401
    assert _as(laptop).get(EDITOR_ARTICLES).status_code == 200
    # Someone else's token is not yours to see or revoke.
    assert _as(laptop).delete(f"/api/v1/auth/tokens/{theirs[:15]}/").status_code == 404
    assert _as(theirs).get(EDITOR_ARTICLES).status_code == 200


def test_logout_revokes_the_token_in_use_and_logout_all_every_one(editor):
    first, _ = _login()
    second, _ = _login()
    third, _ = _login()

    assert _as(first).post("/api/v1/auth/logout/").status_code == 204
    assert _as(first).get(EDITOR_ARTICLES).status_code == 401
    assert _as(second).get(EDITOR_ARTICLES).status_code == 200

    assert _as(second).post("/api/v1/auth/logout-all/").status_code == 204
    assert [_as(t).get(EDITOR_ARTICLES).status_code for t in (second, third)] == [401, 401]
    assert APIClient().post("/api/v1/auth/logout/").status_code == 401  # nothing to log out


def test_a_changed_password_revokes_every_token_of_the_account(editor, writer):
    token, _ = _login()
    other, _ = _login("writer1", "pw-writer1")

    editor.set_password("a-new-long-password")
    editor.save()

    assert _as(token).get(EDITOR_ARTICLES).status_code == 401
    assert _as(other).get(EDITOR_ARTICLES).status_code == 200  # only that account's
    fresh, _ = _login(password="a-new-long-password")
    editor.last_name = "改名"
    editor.save()  # other saves of the account revoke nothing
    assert _as(fresh).get(EDITOR_ARTICLES).status_code == 200


def test_changepassword_command_revokes_too(editor, monkeypatch):
    token, _ = _login()
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "yet-another-password-9")

    call_command("changepassword", "editor1")

    assert _as(token).get(EDITOR_ARTICLES).status_code == 401


@pytest.mark.parametrize(
    "header",
    # As a WSGI server hands headers over: bytes read as latin-1 (here UTF-8 Chinese, and bytes no UTF-8 has).
    ["Token", "Token a b", "Token " + "x" * 64, "Token " + "我的令牌".encode().decode("latin-1"), "Token \xff\xfe"],
)
def test_malformed_tokens_are_401_json(header):
    response = APIClient().get(EDITOR_ARTICLES, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert "detail" in response.json()


def test_expired_tokens_are_deleted_by_the_hourly_task(editor, writer):
    from django_celery_beat.models import PeriodicTask

    from portal.tasks import tokens_prune_task

    stale, _ = _login()
    live, _ = _login("writer1", "pw-writer1")
    AuthToken.objects.filter(user=editor).update(expiry=timezone.now() - timedelta(minutes=1))

    assert tokens_prune_task.apply().get() == 1
    assert list(AuthToken.objects.values_list("user__username", flat=True)) == ["writer1"]
    assert _as(live).get(EDITOR_ARTICLES).status_code == 200
    assert _as(stale).get(EDITOR_ARTICLES).status_code == 401
    task = PeriodicTask.objects.get(task="portal.tasks.tokens_prune_task")
    assert task.enabled and (task.interval.every, task.interval.period) == (1, "hours")
