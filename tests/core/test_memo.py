"""`core.memo.Memo`, the one bounded per-process cache (API answers, the rail's snapshots)."""

import threading
import time

from core.memo import Memo


def test_the_least_recently_used_entry_goes_first_past_the_size():
    memo = Memo(3)
    for key in "abc":
        memo.put(key, key.upper())
    assert memo.get("a") == "A"  # a is now the most recent
    memo.put("d", "D")

    assert list(memo) == ["c", "a", "d"]
    assert memo.get("b") is None and len(memo) == 3


def test_junk_keys_cannot_grow_it():
    memo = Memo(lambda: 100)
    for n in range(10_000):
        memo.put(("now", f"junk-{n}"), None)
    assert len(memo) == 100


def test_an_entry_older_than_its_lifetime_is_a_miss():
    memo = Memo(10, seconds=0.05)
    memo.put("rail", {"items": []})
    assert memo.get("rail") == {"items": []}
    age, value = memo.get_with_age("rail")
    assert 0 <= age < 0.05 and value == {"items": []}
    time.sleep(0.06)
    assert memo.get("rail", "missing") == "missing"
    assert "rail" not in memo and len(memo) == 0


def test_none_is_a_value_not_a_miss():
    memo = Memo(2)
    memo.put("empty", None)
    assert "empty" in memo and memo.get("empty", "missing") is None


def test_drop_forgets_matching_values_and_threads_share_it():
    memo = Memo(1000)

    def fill(offset):
        for n in range(500):
            memo.put(offset + n, {"keys": {"article-1"} if n % 2 else {"article-2"}})

    threads = [threading.Thread(target=fill, args=(i * 500,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(memo) == 1000
    memo.drop(lambda value: "article-1" in value["keys"])
    assert len(memo) == 500 and all("article-2" in memo.get(k)["keys"] for k in memo)
