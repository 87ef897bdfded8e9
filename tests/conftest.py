"""Shared fixtures: a private cache per test (Redis when REDIS_URL is set), users per role."""

import os
import tempfile
import uuid

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

REDIS_URL = os.environ.get("REDIS_URL", "")
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") in ("1", "true", "yes")
# Set when REDIS_URL names a Redis that does not answer: the broker then points at it too.
REDIS_DOWN = False


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def pytest_configure(config):
    """Tasks enqueued by tests go to a filesystem broker of the run's own (real JSON messages that
    nobody consumes). With REDIS_URL unreachable, run on the file cache and say so, or stop under
    REQUIRE_SERVICES."""
    from portal.celery import app

    queue = tempfile.mkdtemp(prefix="portal-test-broker-")
    os.environ["CELERY_BROKER_URL"] = "filesystem://"  # Celery reads this before its own settings
    options = {"data_folder_in": queue, "data_folder_out": queue}
    # Under both names: the settings' namespaced CELERY_BROKER_TRANSPORT_OPTIONS would win otherwise.
    app.conf.update(CELERY_BROKER_TRANSPORT_OPTIONS=options, broker_transport_options=options)
    global REDIS_URL, REDIS_DOWN
    if REDIS_URL and not redis_reachable(REDIS_URL):
        if REQUIRE_SERVICES:
            raise pytest.UsageError(f"REDIS_URL={REDIS_URL} is not reachable and REQUIRE_SERVICES=1")
        print(f"\nRedis at {REDIS_URL} is not reachable: tests use the file cache; Redis tests skip.")
        REDIS_URL, REDIS_DOWN = "", True


def pytest_collection_modifyitems(config, items):
    """Everything under tests/e2e/ starts processes or a browser: marked e2e for a quick `-m "not e2e"`."""
    for item in items:
        if "/tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Users made by tests hash their passwords with a cheap hasher: PBKDF2's million rounds
    (0.3-0.6 s each here) made up minutes of every run. Processes the tests start keep the real one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_cache(settings, tmp_path):
    """Each test gets its own cache namespace, removed afterwards, and an empty process cache."""
    from core import api_cache

    api_cache._Local.forget()
    # Tests read a URL once and expect it cached; the admission policy has its own tests.
    settings.API_CACHE_ADMIT_AFTER = 1
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    if REDIS_URL:
        settings.CACHES = {
            "default": {
                "BACKEND": "core.cache.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": prefix,
            }
        }
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "core.cache.FileCache",
                "LOCATION": str(tmp_path / "cache"),
                "KEY_PREFIX": prefix,
            }
        }
    yield prefix
    if REDIS_URL:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)


@pytest.fixture(autouse=True)
def trending_keys(settings, private_cache):
    """The Redis trending store, when configured, writes under a hash tag of the test's own."""
    settings.TRENDING_REDIS_PREFIX = "{" + private_cache + "-trending}"
    from trending.selectors import _rails

    _rails.clear()
    yield settings.TRENDING_REDIS_PREFIX
    if REDIS_URL:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=settings.TRENDING_REDIS_PREFIX + ":*", count=1000))
        if keys:
            client.delete(*keys)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a folder of the test's own, so a test can see what was left behind."""
    settings.MEDIA_ROOT = str(tmp_path / "uploads")
    settings.VAR_DIR = tmp_path / "var"  # file locks of the embedded setup
    return tmp_path / "uploads"


@pytest.fixture
def redis_url():
    """A reachable Redis, or a skip with the reason (a failure under REQUIRE_SERVICES=1)."""
    url = REDIS_URL or "redis://127.0.0.1:6379/0"
    if not redis_reachable(url):
        message = f"Redis is not reachable at {url}"
        if REQUIRE_SERVICES:
            pytest.fail(message + " and REQUIRE_SERVICES=1")
        pytest.skip(message)
    return url


def _user(django_user_model, username: str, role: str | None = None, *, superuser: bool = False):
    user = django_user_model.objects.create_user(username=username, password="pw-" + username, is_staff=True)
    if superuser:
        user.is_superuser = True
        user.save()
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def editor(django_user_model):
    return _user(django_user_model, "editor1", "editor")


@pytest.fixture
def writer(django_user_model):
    return _user(django_user_model, "writer1", "writer")


@pytest.fixture
def other_writer(django_user_model):
    return _user(django_user_model, "writer2", "writer")


@pytest.fixture
def reader(django_user_model):
    return django_user_model.objects.create_user(username="reader", password="pw-reader")


@pytest.fixture
def relayed(django_capture_on_commit_callbacks):
    """Run a change with the change stream relaying it after the commit."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def photo_editor(django_user_model):
    return _user(django_user_model, "photo1", "photo_editor")


@pytest.fixture
def photo_api(photo_editor):
    client = APIClient()
    client.force_authenticate(photo_editor)
    return client


@pytest.fixture
def editor_api(editor):
    client = APIClient()
    client.force_authenticate(editor)
    return client


@pytest.fixture
def writer_api(writer):
    client = APIClient()
    client.force_authenticate(writer)
    return client


@pytest.fixture
def write(editor, relayed):
    """Articles made through the services, relayed as in production:
    `write(title, summary=..., body=[texts], publish=True, **fields)` -> the article."""
    from articles import services as article_services

    def make(title, *, summary="", body=(), publish=True, **fields):
        blocks = [{"type": "paragraph", "text": text} for text in body]
        article = relayed(
            article_services.article_create, by=editor, title=title, summary=summary, body=blocks, **fields
        )
        if publish:
            relayed(article_services.article_publish, article_id=article.pk, by=editor)
        return article

    return make
