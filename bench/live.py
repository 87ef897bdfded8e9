"""The live newsroom: readers spread over every article while an editor saves once a second.

Readers (wrk, a separate process) request article details and list pages at random
positions (`published_before` a random article's time), uniformly over the whole archive;
meanwhile an editor thread saves a random article through the editor API every second,
times the save, and times until the public API shows it. Figures are ratios to the trivial
endpoint measured in the same server.
"""

from __future__ import annotations

import json
import random
import statistics
import threading
import time
import urllib.parse

from bench.common import gunicorn, http_json, manage, random_paths_script, wrk

SHELL_IDS = """
import json
from articles.models import Article
from articles.selectors import public_q
rows = Article.objects.filter(public_q()).order_by("id").values_list("id", "published_at")
print(json.dumps([[i, p.isoformat()] for i, p in rows]))
"""

SHELL_LAG = """
import json
from datetime import datetime
from core.models import OutboxEvent
rows = OutboxEvent.objects.filter(created_at__gte=datetime.fromisoformat("{since}"), done_at__isnull=False)
lags = sorted((e.done_at - e.created_at).total_seconds() * 1000 for e in rows)
print(json.dumps(lags))
"""


class Editor(threading.Thread):
    """Saves a random article once a second through the editor API; records the save time and
    how long until a reader sees the new title."""

    def __init__(self, base: str, ids: list[int]) -> None:
        super().__init__(daemon=True)
        self.base, self.ids = base, ids
        self.stop = threading.Event()
        self.save_ms: list[float] = []
        self.visible_ms: list[float] = []
        self.failures = 0
        status, _, body = http_json(
            "POST", f"{base}/api/v1/auth/token/", body={"username": "editor", "password": "portal-editor"}
        )
        assert status == 200, body
        self.auth = {"Authorization": f"Token {body['token']}"}
        self.rng = random.Random(9)

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                self._save_one()
            except Exception:  # counted, and the run goes on: a benchmark reports, it does not stop
                self.failures += 1
            self.stop.wait(max(0.0, 1.0 - (time.monotonic() - started)))

    def _save_one(self) -> None:
        article_id = self.rng.choice(self.ids)
        editor_url = f"{self.base}/api/v1/editor/articles/{article_id}/"
        _, headers, _ = http_json("GET", editor_url, headers=self.auth)
        title = f"现场更新 {time.time():.3f}"
        started = time.monotonic()
        status, _, body = http_json(
            "PATCH", editor_url, body={"title": title}, headers={**self.auth, "If-Match": headers["ETag"]}
        )
        saved = time.monotonic()
        if status != 200:
            raise RuntimeError(f"save answered {status}: {body}")
        self.save_ms.append((saved - started) * 1000)
        public = f"{self.base}/api/v1/articles/{article_id}/"
        while http_json("GET", public)[2]["title"] != title:
            if time.monotonic() - started > 10:
                raise RuntimeError("an edit did not reach readers within 10 s")
            time.sleep(0.01)
        self.visible_ms.append((time.monotonic() - started) * 1000)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def live_newsroom(env: dict[str, str], *, seconds: int) -> dict[str, float]:
    """Every figure of the live scenario on the database already loaded in `env`."""
    rows = json.loads(manage(env, "shell", "-c", SHELL_IDS).strip().splitlines()[-1])
    ids = [row[0] for row in rows]
    rng = random.Random(5)
    stamps = [row[1] for row in rng.sample(rows, min(2000, len(rows)))]
    detail_script = random_paths_script([f"/api/v1/articles/{i}/" for i in ids], seed=11)
    list_script = random_paths_script(
        [f"/api/v1/articles/?published_before={urllib.parse.quote(s)}" for s in stamps], seed=13
    )
    since = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    figures: dict[str, float] = {}
    editors = []
    for label, extra in (("", {}), ("_uncached", {"API_CACHE_SECONDS": "0"})):
        with gunicorn({**env, **extra}) as base:
            wrk(f"{base}/healthz", seconds=2)
            trivial = wrk(f"{base}/healthz", seconds=seconds)
            editor = Editor(base, ids)
            editor.start()
            try:
                detail = wrk(base, seconds=seconds, script=detail_script)
                listing = wrk(base, seconds=seconds, script=list_script)
            finally:
                editor.stop.set()
                editor.join(timeout=15)
            editors.append(editor)
            figures[f"trivial{label}"] = trivial
            figures[f"detail{label}"] = detail / trivial
            figures[f"list{label}"] = listing / trivial
            figures[f"detail_rps{label}"] = detail
            figures[f"list_rps{label}"] = listing
    lags = json.loads(manage(env, "shell", "-c", SHELL_LAG.replace("{since}", since)).strip().splitlines()[-1])
    saves = [ms for e in editors for ms in e.save_ms]
    visible = [ms for e in editors for ms in e.visible_ms]
    figures.update(
        {
            "saves": len(saves),
            "save_failures": sum(e.failures for e in editors),
            "save_ms_p50": statistics.median(saves) if saves else float("nan"),
            "visible_ms_p95": percentile(visible, 0.95),
            "lag_ms_p95": percentile(lags, 0.95),
            "articles": len(ids),
        }
    )
    return figures


def report(figures: dict[str, float], backend: str) -> None:
    n = int(figures["articles"])
    print(f"live newsroom: {n:,} articles on {backend}; an editor saving once a second throughout")
    print(f"  trivial DRF endpoint /healthz: {figures['trivial']:,.0f} req/s (baseline)")
    print(
        f"  live detail (uniform over all {n:,}): {figures['detail_rps']:,.0f} req/s"
        f" = {figures['detail']:.2f} x trivial"
    )
    print(f"  live list page (random positions): {figures['list_rps']:,.0f} req/s = {figures['list']:.2f} x trivial")
    print(
        f"  response cache off: detail {figures['detail_uncached']:.2f} x, list"
        f" {figures['list_uncached']:.2f} x of trivial"
        f" ({figures['detail_rps_uncached']:,.0f} and {figures['list_rps_uncached']:,.0f} req/s)"
    )
    print(
        f"  edits: {int(figures['saves'])} saves ({int(figures['save_failures'])} failed); one save including"
        f" rendering {figures['save_ms_p50']:.0f} ms (median); visible to readers p95"
        f" {figures['visible_ms_p95']:.0f} ms (target <= 1000); outbox lag p95 {figures['lag_ms_p95']:.0f} ms"
    )
