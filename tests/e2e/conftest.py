"""Shared by the end-to-end tests: an environment for the project's own processes."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def process_env(tmp_path) -> dict[str, str]:
    """The environment of the project's own processes, before a database is chosen."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(
        {
            "PORTAL_VAR_DIR": str(tmp_path / "var"),
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "e2e-secret",
            "CACHE_KEY_PREFIX": f"e2e-{uuid.uuid4().hex[:8]}",
            "TRENDING_REDIS_PREFIX": "{e2e-" + uuid.uuid4().hex[:8] + "}",
            "LOG_LEVEL": "WARNING",
            # The tests send many readers' views from this machine, as a log shipper would.
            "TRENDING_TRUSTED_SENDERS": "127.0.0.1,::1",
        }
    )
    return env


@pytest.fixture
def site_env(tmp_path):
    """An environment for the project's own processes, with a database of its own."""
    env = process_env(tmp_path)
    database = None
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        database = f"portal_e2e_{uuid.uuid4().hex[:8]}"
        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {database}"], check=True)
        env["DATABASE_URL"] = f"{base}/{database}"
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [PYTHON, "manage.py", "load_demo", "--i-know-this-is-production", "--articles", "8"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    yield env
    if env.get("REDIS_URL"):
        import redis

        client = redis.Redis.from_url(env["REDIS_URL"])
        keys = list(client.scan_iter(match=env["TRENDING_REDIS_PREFIX"] + ":*", count=1000))
        keys += list(client.scan_iter(match=env["CACHE_KEY_PREFIX"] + ":*", count=1000))
        if keys:
            client.delete(*keys)
    if database:
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"DROP DATABASE {database} WITH (FORCE)"], check=True)


def multipart(fields: dict[str, str], file: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with `fields` and a JPEG under `file`, and its content type."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + file
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def jpeg_photo() -> bytes:
    import io

    from PIL import Image, ImageDraw

    picture = Image.linear_gradient("L").resize((1600, 1000)).convert("RGB")
    ImageDraw.Draw(picture).ellipse((400, 200, 1000, 700), fill=(30, 120, 200))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
