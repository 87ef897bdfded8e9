"""The production store: Redis sorted sets, each batch one Lua script.

All keys share one hash tag (`{trending}`), so the scripts work on Redis Cluster too.
"""

from __future__ import annotations

import math
import time

from django.conf import settings

from .base import HOUR, Event, Recorded, StoreUnavailable, TrendingStore, decay_rate

# Dedupe and every increment of a batch in one atomic script; t0 is read in the same hash slot,
# so a rebase (also a script) can never interleave with a writer.
RECORD_SCRIPT = """
local p = ARGV[1]
local now = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local hour = ARGV[4]
local lambda = tonumber(ARGV[5])
local bots, invalid = tonumber(ARGV[6]), tonumber(ARGV[7])
local cap = tonumber(ARGV[8])
local t0 = tonumber(redis.call('HGET', p .. ':meta', 't0'))
if not t0 then
  t0 = now
  redis.call('HSET', p .. ':meta', 't0', now)
end
local factor = math.exp(lambda * (now - t0))
local accepted, duplicates, ineligible, limited = 0, 0, 0, 0
local misses = {}
local hour_key = p .. ':hour:' .. hour
for i = 9, #ARGV, 5 do
  local article, weight, visitor, kind, source = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local over = nil  -- stays nil unless the event is new: false counts it, true is over the cap
  local section = redis.call('HGET', p .. ':eligible', article)
  if not section then
    -- not remembered: a recent look-up said no, or the caller must ask the database
    if redis.call('EXISTS', p .. ':ineligible:' .. article) == 1 then
      ineligible = ineligible + 1
    else
      table.insert(misses, (i - 9) / 5 + 1)
    end
  elseif redis.call('SET', p .. ':seen:' .. kind .. ':' .. visitor .. ':' .. article, '1', 'NX', 'EX', ttl) then
    over = false
    if source ~= '' then
      -- one address may add at most `cap` events per article and type in the dedupe window,
      -- however many visitor ids it makes up
      local capped = p .. ':cap:' .. kind .. ':' .. source .. ':' .. article
      local sent = redis.call('INCR', capped)
      if sent == 1 then redis.call('EXPIRE', capped, ttl) end
      over = sent > cap
    end
  else
    duplicates = duplicates + 1
  end
  if over == true then
    limited = limited + 1
    redis.call('DEL', p .. ':seen:' .. kind .. ':' .. visitor .. ':' .. article)
  elseif over == false then
    local add = weight * factor
    redis.call('ZINCRBY', p .. ':now', add, article)
    if section ~= '' then redis.call('ZINCRBY', p .. ':now:s:' .. section, add, article) end
    if kind == 'view' then
      redis.call('ZINCRBY', p .. ':today', 1, article)
      redis.call('ZINCRBY', hour_key, 1, article)
      if section ~= '' then
        redis.call('ZINCRBY', p .. ':today:s:' .. section, 1, article)
        redis.call('ZINCRBY', hour_key .. ':s:' .. section, 1, article)
      end
      redis.call('HINCRBY', p .. ':views', article, 1)
    end
    accepted = accepted + 1
  end
end
if accepted > 0 then
  redis.call('SADD', p .. ':hours', hour)
end
local stats = p .. ':stats'
if accepted > 0 then redis.call('HINCRBY', stats, 'accepted', accepted) end
if duplicates > 0 then redis.call('HINCRBY', stats, 'duplicates', duplicates) end
if ineligible > 0 then redis.call('HINCRBY', stats, 'ineligible', ineligible) end
if bots > 0 then redis.call('HINCRBY', stats, 'bots', bots) end
if invalid > 0 then redis.call('HINCRBY', stats, 'invalid', invalid) end
if limited > 0 then redis.call('HINCRBY', stats, 'limited', limited) end
return {accepted, duplicates, ineligible, misses, limited}
"""

REBASE_SCRIPT = """
local p = ARGV[1]
local now = tonumber(ARGV[2])
local lambda = tonumber(ARGV[3])
local t0 = tonumber(redis.call('HGET', p .. ':meta', 't0'))
if not t0 then
  redis.call('HSET', p .. ':meta', 't0', now)
  return 0
end
local weight = math.exp(-lambda * (now - t0))
local keys = redis.call('SMEMBERS', p .. ':now-keys')
table.insert(keys, p .. ':now')
for _, key in ipairs(keys) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('ZUNIONSTORE', key, 1, key, 'WEIGHTS', weight)
  end
end
redis.call('HSET', p .. ':meta', 't0', now)
return #keys
"""


# Claim pending views as a numbered batch. A batch left by a failed flush is handed out again,
# unchanged, until it is released; only then are the views counted since renamed into a new one.
# So a leftover is never overwritten, and a batch number names the same counts every time.
# Numbers come from the server's clock in microseconds: unique, and exact in a float.
CLAIM_SCRIPT = """
local p = ARGV[1]
local views, draining = p .. ':views', p .. ':views-draining'
if redis.call('EXISTS', draining) == 0 then
  if redis.call('EXISTS', views) == 0 then
    return {0, {}}
  end
  redis.call('RENAME', views, draining)
  local now = redis.call('TIME')
  redis.call('HSET', draining, '#batch', now[1] .. string.format('%06d', tonumber(now[2])))
end
return {redis.call('HGET', draining, '#batch'), redis.call('HGETALL', draining)}
"""

RELEASE_SCRIPT = """
local p = ARGV[1]
local draining = p .. ':views-draining'
if redis.call('HGET', draining, '#batch') == ARGV[2] then
  redis.call('DEL', draining)
  return 1
end
return 0
"""


class RedisStore(TrendingStore):
    """All keys share one hash tag (`{trending}`), so the scripts work on Redis Cluster too.

    `:eligible` remembers public articles (section per id); an article it does not hold is
    looked up in the database on its first event, so a restart that empties Redis, or a
    publication racing a prune, delays nothing.
    """

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._redis_module = redis
        self.client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        self.prefix = prefix
        self._record = self.client.register_script(RECORD_SCRIPT)
        self._rebase = self.client.register_script(REBASE_SCRIPT)
        self._claim = self.client.register_script(CLAIM_SCRIPT)
        self._release = self.client.register_script(RELEASE_SCRIPT)

    def _call(self, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except self._redis_module.RedisError as error:
            raise StoreUnavailable(f"Redis does not answer: {error}") from error

    def record(
        self, events: list[Event], *, now: float, bots: int = 0, invalid: int = 0, _looked_up: bool = False
    ) -> Recorded:
        if not events and not bots and not invalid:
            return Recorded()
        argv: list = [
            self.prefix,
            repr(now),
            settings.TRENDING_DEDUPE_SECONDS,
            int(now // HOUR),
            repr(decay_rate()),
            bots,
            invalid,
            settings.TRENDING_VIEWS_PER_ADDRESS,
        ]
        for event in events:
            argv += [event.article_id, repr(event.weight), event.visitor, event.kind, event.source]
        accepted, duplicates, ineligible, misses, limited = self._call(
            self._record, keys=[f"{self.prefix}:meta"], args=argv
        )
        result = Recorded(int(accepted), int(duplicates), int(ineligible), int(limited))
        if misses:
            # Articles Redis does not know (new, scheduled, or Redis restarted empty): the database
            # decides, once per article, and only these events go round again.
            missed = [events[int(index) - 1] for index in misses]
            eligible = self._learn(sorted({event.article_id for event in missed}), now=now)
            again = [event for event in missed if event.article_id in eligible]
            refused = len(missed) - len(again)
            if refused:
                self._call(self.client.hincrby, f"{self.prefix}:stats", "ineligible", refused)
                result.ineligible += refused
            if again and not _looked_up:
                more = self.record(again, now=now, _looked_up=True)
                result.accepted += more.accepted
                result.duplicates += more.duplicates
                result.ineligible += more.ineligible
                result.limited += more.limited
        return result

    def _learn(self, ids: list[int], *, now: float) -> set[int]:
        """Ask the database about `ids` and remember the public ones.

        "Not public" is remembered only where it cannot hide a publication: an id with no
        article (briefly) and a scheduled article (until its second). A draft is asked about
        again each time, so however its publication is announced, or not, it counts at once.
        """
        known = self.resolver(ids)
        pipe = self.client.pipeline(transaction=False)
        eligible = set()
        for article_id in ids:
            if article_id in known:
                section, public_from = known[article_id]
                if public_from is None:
                    continue
                if public_from <= now:
                    eligible.add(article_id)
                    self._remember(pipe, article_id, section)
                    continue
                seconds = min(settings.TRENDING_INELIGIBLE_SECONDS, public_from - now)
            else:
                seconds = settings.TRENDING_INELIGIBLE_SECONDS
            if seconds >= 0.001:
                pipe.set(f"{self.prefix}:ineligible:{article_id}", "1", px=int(seconds * 1000))
        self._call(pipe.execute)
        return eligible

    def _remember(self, pipe, article_id: int, section_id: int | None) -> None:
        pipe.hset(f"{self.prefix}:eligible", article_id, section_id or "")
        pipe.delete(f"{self.prefix}:ineligible:{article_id}")
        if section_id:
            pipe.sadd(f"{self.prefix}:now-keys", f"{self.prefix}:now:s:{section_id}")

    def eligible_add(self, article_id: int, section_id: int | None) -> None:
        pipe = self.client.pipeline(transaction=False)
        self._remember(pipe, article_id, section_id)
        self._call(pipe.execute)

    def eligible_add_many(self, mapping: dict[int, int | None]) -> None:
        """Remember many public articles at once (benchmarks, warm-up after a restart)."""
        items = list(mapping.items())
        for start in range(0, len(items), 1000):
            pipe = self.client.pipeline(transaction=False)
            for article_id, section_id in items[start : start + 1000]:
                self._remember(pipe, article_id, section_id)
            self._call(pipe.execute)

    def eligible_remove(self, article_id: int) -> None:
        self._call(self.client.hdel, f"{self.prefix}:eligible", article_id)

    def eligible_prune(self) -> int:
        key = f"{self.prefix}:eligible"
        now = time.time()
        removed = 0
        cursor = 0
        while True:
            cursor, rows = self._call(self.client.hscan, key, cursor, count=1000)
            ids = [int(article) for article in rows]
            if ids:
                known = self.resolver(ids)
                gone = [a for a in ids if a not in known or known[a][1] is None or known[a][1] > now]
                if gone:
                    removed += int(self._call(self.client.hdel, key, *gone))
            if cursor == 0:
                return removed

    def _t0(self) -> float:
        value = self._call(self.client.hget, f"{self.prefix}:meta", "t0")
        return float(value) if value is not None else time.time()

    def top(self, kind: str, section_id: int | None, limit: int, *, now: float) -> list[tuple[int, float]]:
        base = "now" if kind == "decayed" else "today"
        key = f"{self.prefix}:{base}" + (f":s:{section_id}" if section_id else "")
        rows = self._call(self.client.zrevrange, key, 0, limit - 1, withscores=True)
        scale = math.exp(-decay_rate() * (now - self._t0())) if kind == "decayed" else 1.0
        return [(int(member), score * scale) for member, score in rows if score > 0]

    def views_claim(self) -> tuple[int, dict[int, int]]:
        batch, rows = self._call(self._claim, keys=[f"{self.prefix}:meta"], args=[self.prefix])
        counts = {}
        for field, value in zip(rows[::2], rows[1::2], strict=True):
            if not field.startswith(b"#"):
                counts[int(field)] = int(value)
        return int(batch), counts

    def views_release(self, batch: int) -> None:
        if batch:
            self._call(self._release, keys=[f"{self.prefix}:meta"], args=[self.prefix, str(batch)])

    def rebase(self, *, now: float) -> None:
        self._call(self._rebase, keys=[f"{self.prefix}:meta"], args=[self.prefix, repr(now), repr(decay_rate())])

    def prune(self, *, now: float, min_score: float) -> int:
        # Stored scores are relative to t0: the threshold moves with it.
        threshold = min_score * math.exp(decay_rate() * (now - self._t0()))
        keys = [k.decode() for k in self._call(self.client.smembers, f"{self.prefix}:now-keys")]
        removed = 0
        for key in [f"{self.prefix}:now", *keys]:
            removed += self._call(self.client.zremrangebyscore, key, "-inf", f"({threshold}")
        return removed

    def hourly(self, article_ids: list[int], *, now: float, hours: int = 24) -> dict[int, list[int]]:
        if not article_ids:
            return {}
        current = int(now // HOUR)
        pipe = self.client.pipeline(transaction=False)
        for hour in range(current - hours + 1, current + 1):
            pipe.zmscore(f"{self.prefix}:hour:{hour}", article_ids)
        answers = self._call(pipe.execute)
        return {
            article_id: [int(scores[index] or 0) for scores in answers] for index, article_id in enumerate(article_ids)
        }

    def roll_hours(self, *, now: float) -> None:
        """Subtract hours older than 24 from the rolling totals, in chunks so no command is long."""
        current = int(now // HOUR)
        hours = sorted(int(h) for h in self._call(self.client.smembers, f"{self.prefix}:hours"))
        for hour in hours:
            if hour > current - 24:
                break
            bucket = f"{self.prefix}:hour:{hour}"
            self._subtract(bucket, f"{self.prefix}:today")
            section_buckets = self._call(self.client.keys, f"{bucket}:s:*")  # a handful per hour
            for section_bucket in section_buckets:
                section = section_bucket.decode().rsplit(":", 1)[1]
                self._subtract(section_bucket.decode(), f"{self.prefix}:today:s:{section}")
            self._call(self.client.srem, f"{self.prefix}:hours", hour)

    def _subtract(self, bucket: str, total: str) -> None:
        cursor = 0
        while True:
            cursor, rows = self._call(self.client.zscan, bucket, cursor, count=500)
            if rows:
                pipe = self.client.pipeline(transaction=False)
                for member, views in rows:
                    pipe.zincrby(total, -views, member)
                self._call(pipe.execute)
            if cursor == 0:
                break
        self._call(self.client.zremrangebyscore, total, "-inf", 0)
        self._call(self.client.delete, bucket)

    def tracked(self) -> int:
        return int(self._call(self.client.zcard, f"{self.prefix}:now"))

    def stats(self) -> dict[str, int]:
        return {k.decode(): int(v) for k, v in self._call(self.client.hgetall, f"{self.prefix}:stats").items()}

    def ping(self) -> None:
        self._call(self.client.ping)

    def clear(self) -> None:
        """Delete every key of this store (tests and benchmarks)."""
        keys = list(self.client.scan_iter(match=f"{self.prefix}:*", count=1000))
        for start in range(0, len(keys), 1000):
            self.client.delete(*keys[start : start + 1000])
