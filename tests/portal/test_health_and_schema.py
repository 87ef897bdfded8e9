"""Health checks, the OpenAPI schema and its offline docs, JSON errors outside DRF."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok(api):
    response = api.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_database_cache_and_broker(api):
    from tests import conftest

    if conftest.REDIS_DOWN:
        pytest.skip("REDIS_URL is set but Redis does not answer, so the broker cannot be ready")
    response = api.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}


def test_readyz_names_a_failed_service_with_503(api, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }

    response = api.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["cache"].startswith("failed")
    assert body["checks"]["database"] == "ok"
    assert "cache" in body["detail"]


def test_public_api_still_answers_when_the_cache_is_down(api, settings):
    from tests.articles.factories import ArticleFactory

    article = ArticleFactory()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }

    assert api.get(f"/api/v1/articles/{article.pk}/").status_code == 200


def test_schema_lists_the_contract_paths(api):
    response = api.get("/api/schema/?format=json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/articles/",
        "/api/v1/articles/{id}/",
        "/api/v1/authors/",
        "/api/v1/authors/{slug}/",
        "/api/v1/sections/",
        "/api/v1/tags/",
        "/api/v1/auth/token/",
        "/api/v1/editor/articles/",
        "/api/v1/editor/articles/{id}/publish/",
        "/api/v1/editor/articles/{id}/submit/",
        "/api/v1/editor/outlets/",
    ]:
        assert path in paths


def test_docs_page_uses_bundled_assets_not_a_cdn(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}


def test_body_over_the_limit_answers_413(editor_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = editor_api.post(
        "/api/v1/editor/articles/", data='{"title": "' + "x" * 5000 + '"}', content_type="application/json"
    )

    assert response.status_code == 413
    assert "detail" in response.json()


def test_production_settings_pass_the_deploy_check():
    import secrets
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "true",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "cms.example.cn",
        "PORTAL_VAR_DIR": str(root / "var"),
    }

    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_security_headers_on_every_answer(api):
    response = api.get("/healthz")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_pages_carry_a_content_security_policy_without_inline_script(editor):
    """No inline script runs but one marked with the response's own nonce (the paragraph
    editor's import map, on the article page only)."""
    from django.test import Client

    from articles import services

    client = Client()
    client.force_login(editor)
    article = services.article_create(by=editor, title="安全策略")
    admin_page = client.get(f"/admin/articles/article/{article.pk}/change/")
    preview_url = re.search(r'href="(/preview/[^"]+)"', admin_page.content.decode()).group(1)
    pages = {
        "admin change page": admin_page,
        "admin photo page": client.get("/admin/media/image/add/"),
        "preview": Client().get(preview_url),
        "API docs": Client().get("/api/docs/"),
        "login": Client().get("/admin/login/"),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        policy = page["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, name
        html = page.content.decode()
        inline = [s for s in re.findall(r"<script\b[^>]*>", html) if "src=" not in s and "application/json" not in s]
        nonce = re.search(r"'nonce-([^']+)'", policy)
        marked = [s for s in inline if nonce and f'nonce="{nonce.group(1)}"' in s]
        assert inline == marked, f"{name}: inline scripts without this response's nonce {inline}"
        if name == "admin change page":
            assert marked == [f'<script type="importmap" nonce="{nonce.group(1)}">'], marked
        else:
            assert inline == [] and nonce is None, name  # no nonce handed out where none is used


def test_the_json_api_carries_no_page_policy(api):
    assert "Content-Security-Policy" not in api.get("/api/v1/articles/")
    assert "Content-Security-Policy" not in api.get("/api/v1/")
