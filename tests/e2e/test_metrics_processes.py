"""End to end: /metrics adds up every gunicorn worker's counts (Prometheus' multiprocess mode)."""

import subprocess
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from bench.common import free_port, wait_for

from .conftest import PYTHON, ROOT


def _count(base: str, route: str) -> float:
    request = urllib.request.Request(f"{base}/metrics", headers={"Authorization": "Bearer e2e-scrape"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "portal_http_requests_total" and sample.labels["route"] == route
    )


def test_every_scrape_counts_the_requests_of_every_worker(site_env, tmp_path):
    port = free_port()
    env = {
        **site_env,
        "METRICS_ENABLED": "true",
        "METRICS_TOKEN": "e2e-scrape",
        "PORTAL_PORT": str(port),
        "PORTAL_HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "3",
        "GUNICORN_THREADS": "1",
        "GUNICORN_ACCESS_LOG": "",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = subprocess.Popen(
        [str(PYTHON), "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "portal.wsgi:application"], cwd=ROOT, env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Waiting polls /readyz, and a poll given up on may still be answered later: the requests
        # counted go to /healthz, which nothing else asks for.
        wait_for(f"{base}/readyz")
        before = _count(base, "healthz")
        for _ in range(30):
            with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
                assert response.status == 200

        # Whichever worker takes a scrape, it answers for all three.
        seen = {_count(base, "healthz") - before for _ in range(9)}

        assert seen == {30}
        assert (tmp_path / "var" / "metrics").is_dir()
    finally:
        server.terminate()
        server.wait(timeout=20)
