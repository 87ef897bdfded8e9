"""Limits nobody can step around: the client's address behind trusted proxies only, login
lockouts in the admin, and a cap on what one address may count (defect 13.5)."""

import pytest
from django.core.cache import cache
from django.test import Client

from core.net import client_address
from tests.articles.factories import ArticleFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


@pytest.mark.parametrize(
    "peer, forwarded, expected",
    [
        ("203.0.113.5", "1.2.3.4", ("203.0.113.5", False, True)),  # not a proxy of ours: the header is ignored
        ("10.0.0.2", "198.51.100.9", ("198.51.100.9", True, True)),
        ("10.0.0.2", "6.6.6.6, 198.51.100.9", ("198.51.100.9", True, True)),  # the client wrote the left part
        ("10.0.0.2", "198.51.100.9, 10.0.0.7", ("198.51.100.9", True, True)),  # two of our proxies
        ("10.0.0.2", "10.0.0.8, 10.0.0.7", ("10.0.0.8", True, True)),  # all trusted: the left-most
        ("10.0.0.2", "garbage, 198.51.100.9", ("198.51.100.9", True, True)),
        ("10.0.0.2", "198.51.100.9:4711", ("198.51.100.9", True, True)),
        ("10.0.0.2", "[2001:db8::1]:443", ("2001:db8::1", True, True)),
        # A proxy of ours that names no client, or an obfuscated one: the client is unknown.
        ("10.0.0.2", "", ("10.0.0.2", True, False)),
        ("10.0.0.2", "not-an-address", ("10.0.0.2", True, False)),
        ("10.0.0.2", "unknown", ("10.0.0.2", True, False)),
        ("10.0.0.2", "_hidden", ("10.0.0.2", True, False)),
        ("10.0.0.2", "203.0.113.5, unknown", ("10.0.0.2", True, False)),
        ("10.0.0.2", "203.0.113.5, unknown, 10.0.0.7", ("10.0.0.7", True, True)),
    ],
)
def test_the_rightmost_untrusted_hop_is_the_client(settings, peer, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert client_address(peer, forwarded) == expected


@pytest.mark.parametrize("forwarded", [None, "unknown", "_hidden", "203.0.113.5, unknown", "", "  ,  "])
def test_a_forwarded_request_whose_client_is_unknown_is_never_local(settings, forwarded):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_ADDRESSES = []
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}

    through_proxy = Client(REMOTE_ADDR="127.0.0.1").get("/metrics", **headers)
    from_outside = Client(REMOTE_ADDR="127.0.0.1").get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.5")

    assert through_proxy.status_code == 404 and from_outside.status_code == 404


def _login(client, password="wrong", **headers):
    return client.post("/api/v1/auth/token/", {"username": "editor1", "password": password}, **headers)


def test_a_new_x_forwarded_for_each_time_does_not_escape_the_login_limit(settings, editor):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "5/min"}}
    settings.AXES_FAILURE_LIMIT = 100  # this test is about the throttle alone
    cache.clear()
    client = Client(REMOTE_ADDR="203.0.113.5")

    statuses = [_login(client, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code for n in range(8)]

    assert statuses == [400] * 5 + [429] * 3


def test_behind_a_trusted_proxy_each_client_has_its_own_login_limit(settings, editor):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "2/min"}}
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.AXES_FAILURE_LIMIT = 100
    proxy = Client(REMOTE_ADDR="10.0.0.2")

    first = [_login(proxy, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code for _ in range(3)]
    second = _login(proxy, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code

    assert first == [400, 400, 429]
    assert second == 400


def test_the_events_limit_keys_on_the_address_not_on_the_header(settings, api):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"trending-events": "3/min"}}
    article = ArticleFactory()

    statuses = [
        api.post(
            "/api/v1/trending/events/",
            {"article": article.pk},
            format="json",
            HTTP_USER_AGENT=BROWSER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        ).status_code
        for n in range(5)
    ]

    assert statuses == [202, 202, 202, 429, 429]


def test_x_forwarded_proto_from_a_stranger_does_not_make_a_request_secure(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    seen = {}

    from core.middleware import TrustedProxyMiddleware

    def capture(request):
        seen["secure"] = request.is_secure()
        seen["address"] = request.META["REMOTE_ADDR"]
        return None

    from django.test import RequestFactory

    stranger = RequestFactory().get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_PROTO="https")
    TrustedProxyMiddleware(capture)(stranger)
    assert seen == {"secure": False, "address": "203.0.113.5"}
    proxied = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="198.51.100.4"
    )
    TrustedProxyMiddleware(capture)(proxied)
    assert seen == {"secure": True, "address": "198.51.100.4"}


def _admin_login(client, password):
    return client.post("/admin/login/?next=/admin/", {"username": "editor1", "password": password})


def test_the_admin_login_locks_an_account_and_address_after_repeated_failures(settings, editor):
    settings.AXES_FAILURE_LIMIT = 5
    attacker = Client(REMOTE_ADDR="203.0.113.5")

    tries = [_admin_login(attacker, f"guess-{n}").status_code for n in range(7)]
    right_password_now = _admin_login(attacker, "pw-editor1")
    from_elsewhere = _admin_login(Client(REMOTE_ADDR="198.51.100.30"), "pw-editor1")
    token = Client(REMOTE_ADDR="203.0.113.5").post(
        "/api/v1/auth/token/", {"username": "editor1", "password": "pw-editor1"}
    )

    assert tries[:4] == [200, 200, 200, 200]  # the form again, with an error
    assert tries[5:] == [429, 429]
    assert right_password_now.status_code == 429
    assert "登录失败次数过多" in right_password_now.content.decode()
    assert from_elsewhere.status_code == 302  # the editor at their own desk is not locked out
    assert token.status_code == 429 and "detail" in token.json()


def test_a_superuser_unlocks_by_deleting_the_attempt(settings, editor, django_user_model):
    from axes.models import AccessAttempt

    settings.AXES_FAILURE_LIMIT = 3
    attacker = Client(REMOTE_ADDR="203.0.113.5")
    for n in range(3):
        _admin_login(attacker, f"guess-{n}")
    assert _admin_login(attacker, "pw-editor1").status_code == 429
    boss = django_user_model.objects.create_superuser("boss", password="pw-boss-long")
    admin = Client()
    admin.force_login(boss)
    attempt = AccessAttempt.objects.get(username="editor1")

    page = admin.get("/admin/axes/accessattempt/")
    admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200 and "editor1" in page.content.decode()
    assert _admin_login(attacker, "pw-editor1").status_code == 302


def test_one_address_trying_many_accounts_is_limited_across_them(settings, django_user_model):
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 30
    attacker = Client(REMOTE_ADDR="203.0.113.5")

    statuses = [
        attacker.post("/admin/login/?next=/admin/", {"username": f"user{n}", "password": "guess"}).status_code
        for n in range(100)
    ]
    neighbour = Client(REMOTE_ADDR="198.51.100.30").post(
        "/admin/login/?next=/admin/", {"username": "user1", "password": "guess"}
    )

    assert statuses[:29] == [200] * 29 and set(statuses[30:]) == {429}
    locked = attacker.post("/admin/login/?next=/admin/", {"username": "user1", "password": "guess"})
    assert int(locked["Retry-After"]) > 0 and "登录失败次数过多" in locked.content.decode()
    assert neighbour.status_code == 200  # the form again: another address is not locked


def test_one_account_guessed_at_from_many_addresses_is_locked(settings, editor):
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 20

    statuses = [
        _admin_login(Client(REMOTE_ADDR=f"198.51.100.{n % 20 + 1}"), f"guess-{n}").status_code for n in range(80)
    ]
    # Even with the password, from a new address, until the lock lapses.
    right = _admin_login(Client(REMOTE_ADDR="192.0.2.200"), "pw-editor1")

    assert statuses[:19] == [200] * 19 and set(statuses[20:]) == {429}
    assert right.status_code == 429


def test_login_limits_key_an_ipv6_client_by_its_64(settings, editor):
    settings.AXES_FAILURE_LIMIT = 5

    statuses = [_admin_login(Client(REMOTE_ADDR=f"2001:db8:5:6::{n:x}"), "guess").status_code for n in range(1, 9)]
    next_line = _admin_login(Client(REMOTE_ADDR="2001:db8:5:7::1"), "pw-editor1")

    assert statuses[:4] == [200] * 4 and set(statuses[5:]) == {429}
    assert next_line.status_code == 302


def test_the_auth_throttle_keys_an_ipv6_client_by_its_64(settings, editor):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "3/min"}}
    settings.AXES_FAILURE_LIMIT = 100
    cache.clear()

    same_line = [_login(Client(REMOTE_ADDR=f"2001:db8:9:1::{n:x}")).status_code for n in range(1, 6)]
    next_line = _login(Client(REMOTE_ADDR="2001:db8:9:2::1")).status_code

    assert same_line == [400, 400, 400, 429, 429]
    assert next_line == 400
