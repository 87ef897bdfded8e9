"""PostgreSQL refusing connections for a few seconds (issue 13, faults): readers get a clear 503
with Retry-After, /readyz names the database, and everything recovers by itself.

The web process reaches PostgreSQL through a TCP relay of the test's own: closing the relay's
listening socket makes every new connection refused (and cuts the open ones), as a database
restarting does, without touching the machine's PostgreSQL that other tests use."""

import pytest
from django.db import connection
from django.test import Client

from tests.articles.factories import ArticleFactory
from tests.e2e.relay import Relay

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def relayed_database(settings):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL refusing connections needs PostgreSQL (DATABASE_URL=postgres://...)")
    saved = dict(connection.settings_dict)
    relay = Relay((saved["HOST"] or "127.0.0.1", int(saved["PORT"] or 5432)))
    relay.accept()
    connection.close()
    connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", str(relay.port)
    yield relay
    relay.refuse()
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


def test_readers_get_503_while_postgresql_refuses_and_recover_by_themselves(relayed_database, settings):
    settings.API_CACHE_SECONDS = 0
    article = ArticleFactory(title="数据库重启")
    client = Client()
    assert client.get(f"/api/v1/articles/{article.pk}/").status_code == 200

    relayed_database.refuse()  # open connections cut, new ones refused

    for path in ("/api/v1/articles/", f"/api/v1/articles/{article.pk}/", "/readyz"):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 503, (path, response.content)
        assert response["Retry-After"]
        assert "database" in response.json()["detail"]
    assert client.get("/readyz").json()["checks"]["database"] == "failed"

    relayed_database.accept()  # back, on the same address: nothing restarted here

    assert client.get(f"/api/v1/articles/{article.pk}/").json()["title"] == "数据库重启"
    assert client.get("/api/v1/articles/").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_a_blip_costs_no_reader_a_503_in_a_real_web_process(site_env):
    """gunicorn through the relay: the kept connections are cut and the database is back at
    once (a failover, a restart). With health checks on (the default) no reader sees it; off,
    each process answered one 503 (Django's test client skips the check, hence real processes)."""
    if not site_env.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("PostgreSQL refusing connections needs PostgreSQL (DATABASE_URL=postgres://...)")
    from urllib.parse import urlsplit

    from bench.common import gunicorn
    from bench.common import http_json as call

    url = urlsplit(site_env["DATABASE_URL"])
    relay = Relay((url.hostname, url.port or 5432))
    relay.accept()
    env = {
        **site_env,
        "DATABASE_URL": url._replace(netloc=f"{url.username}@127.0.0.1:{relay.port}").geturl(),
        "API_CACHE_SECONDS": "0",
        "API_LOCAL_CACHE_SECONDS": "0",
    }
    try:
        with gunicorn(env, workers=2) as base:
            first = call("GET", f"{base}/api/v1/articles/")[2]["results"][0]["id"]
            for n in range(8):  # both processes hold a connection
                assert call("GET", f"{base}/api/v1/articles/{first}/?warm={n}")[0] == 200

            relay.refuse()
            relay.accept()

            statuses = [call("GET", f"{base}/api/v1/articles/{first}/?after={n}")[0] for n in range(8)]
            assert statuses == [200] * 8
    finally:
        relay.refuse()
