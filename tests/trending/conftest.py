"""A store per test, of each kind: the contract tests run against both."""

import pytest

from trending import stores


@pytest.fixture(params=["database", "redis"])
def store_kind(request, settings):
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        settings.REDIS_URL = url
    settings.TRENDING_STORE = request.param
    return request.param


@pytest.fixture
def store(store_kind, trending_keys):
    store = stores.get_store()
    yield store
    store.__dict__.pop("resolver", None)  # a test may have given synthetic ids (see allow())
    if isinstance(store, stores.RedisStore):
        store.clear()
