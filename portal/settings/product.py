"""The product's own knobs: photos and renditions, the trending rail, the API's caches, articles,
feeds and sitemaps, webhooks, the change stream and CDN purges; all from the environment."""

from typing import TypedDict

from .base import PUBLIC_BASE_URL, REDIS_URL, env

# Photos: uploads above these are refused (413) before any pixel is decoded.
MEDIA_MAX_BYTES = env.int("MEDIA_MAX_BYTES", default=25 * 1024 * 1024)
MEDIA_MAX_PIXELS = env.int("MEDIA_MAX_PIXELS", default=60_000_000)
# Serve var/uploads from the web process (embedded setup); production points a CDN at the storage.
MEDIA_SERVE = env.bool("MEDIA_SERVE", default=True)
# A bounded set of renditions, so rendition files stay bounded: name -> (width, crop height or None).
MEDIA_RENDITIONS = {
    "320w": (320, None),
    "640w": (640, None),
    "1024w": (1024, None),
    "1600w": (1600, None),
    "social": (1200, 630),
    "square": (600, 600),
}
# What a list item's (and a related article's) lead image lists: a list shows a thumbnail.
LIST_IMAGE_RENDITIONS = env.list("LIST_IMAGE_RENDITIONS", default=["320w", "640w", "square"])
MEDIA_RENDITION_FORMATS = env.list("MEDIA_RENDITION_FORMATS", default=["jpeg", "webp", "avif"])
MEDIA_ENCODE_OPTIONS = {
    "jpeg": {"quality": 82},
    "webp": {"quality": 80, "method": 2},
    "avif": {"quality": 60, "speed": 8},
}
MEDIA_EXPIRY_WARNING_DAYS = 7

# Trending rail. Weights per event type; rails by name; text cut like the seed page's rail.
TRENDING_STORE = env.str("TRENDING_STORE", default="redis" if REDIS_URL else "database")
TRENDING_REDIS_PREFIX = env.str("TRENDING_REDIS_PREFIX", default="{trending}")  # one hash slot for Cluster
TRENDING_WEIGHTS = {"view": 1.0, "share": 5.0, "comment": 3.0}
TRENDING_HALF_LIFE_SECONDS = env.int("TRENDING_HALF_LIFE_SECONDS", default=2 * 60 * 60)
TRENDING_DEDUPE_SECONDS = env.int("TRENDING_DEDUPE_SECONDS", default=30 * 60)
# How long the Redis store remembers "not public" for an article it looked up (a scheduled one:
# never past its second; a publication clears it at once).
TRENDING_INELIGIBLE_SECONDS = env.float("TRENDING_INELIGIBLE_SECONDS", default=5.0)
TRENDING_MAX_BATCH = 100


class RailConfig(TypedDict):
    """A rail: how it ranks (`decayed` or `views_24h`), how old its articles may be, how long it is."""

    kind: str
    max_age_hours: int
    size: int


TRENDING_RAILS: dict[str, RailConfig] = {
    "now": {"kind": "decayed", "max_age_hours": 72, "size": 20},
    "today": {"kind": "views_24h", "max_age_hours": 72, "size": 20},
}
TRENDING_TITLE_CHARS = 15
TRENDING_SUMMARY_CHARS = 50
TRENDING_CUT_MARKER = "..."
TRENDING_CUT_BY_WIDTH = env.bool("TRENDING_CUT_BY_WIDTH", default=False)  # CJK counts 2, Latin 1
TRENDING_EVENTS_RATE = env.str("TRENDING_EVENTS_RATE", default="1200/min")  # requests per client address
TRENDING_VISITOR_COOKIE = "portal_vid"
# One address may add at most this many events per article and type within the dedupe window,
# however many visitor ids it sends: enough for an office or a school behind one address, too
# few to push a story up the rail. Log shippers listed as trusted senders are not capped.
TRENDING_VIEWS_PER_ADDRESS = env.int("TRENDING_VIEWS_PER_ADDRESS", default=50)
TRENDING_TRUSTED_SENDERS = env.list("TRENDING_TRUSTED_SENDERS", default=[])

# How long our cache keeps a public answer. Every editorial change purges it at
# once, so this bounds only what changes without an edit (view counts).
API_CACHE_SECONDS = env.int("API_CACHE_SECONDS", default=60)
# Each web process may answer from its own memory this long before asking the
# shared cache whether something changed (other processes' edits show this late).
API_LOCAL_CACHE_SECONDS = env.float("API_LOCAL_CACHE_SECONDS", default=0.5)
API_LOCAL_CACHE_ENTRIES = env.int("API_LOCAL_CACHE_ENTRIES", default=500)
# The hard limit: no process serves its own copy of an answer that nobody has confirmed current
# for this long (built here, or vouched for by the shared cache), whatever the shared cache
# lost meanwhile; serving the copy never extends it.
API_LOCAL_MAX_AGE = env.float("API_LOCAL_MAX_AGE", default=2.0)
# Admission of article details: a detail enters the shared cache from the request of it a web
# process sees this many times (among its last API_CACHE_SIGHTINGS URLs). The long tail read
# once in a while (an archive reached from search and social) then costs one query each, not a
# query plus two cache round trips and memory; a detail read again and again is cached as before. List
# pages are cached at once. 1: every answer on first read.
API_CACHE_ADMIT_AFTER = env.int("API_CACHE_ADMIT_AFTER", default=3)
# Public reads answered before the rest of the middleware and DRF (core.public_reads).
PUBLIC_READS_SHORT_PATH = env.bool("PUBLIC_READS_SHORT_PATH", default=True)
API_CACHE_SIGHTINGS = env.int("API_CACHE_SIGHTINGS", default=20_000)
# Cache-Control max-age for browsers and a CDN in front: how stale a reader may be.
API_CDN_MAX_AGE = env.int("API_CDN_MAX_AGE", default=5)
# The desk's lists (admin, editor API) count rows up to this many and offer the pages up to it; a
# desk search looks at the newest DESK_SEARCH_LIMIT matches of its words. Neither grows with the archive.
DESK_COUNT_LIMIT = env.int("DESK_COUNT_LIMIT", default=10_000)
DESK_SEARCH_LIMIT = env.int("DESK_SEARCH_LIMIT", default=1_000)
# How often the workers render a new article's document anew (its related articles age): this
# often in its first two days, 24 times less often to a month, 168 times less often after.
# Readers never wait for it (articles.documents.refresh).
DOCUMENT_REFRESH_SECONDS = env.int("DOCUMENT_REFRESH_SECONDS", default=3600)
# One refresh run renders due documents for at most this long (a batch is never cut).
DOCUMENT_REFRESH_RUN_SECONDS = env.float("DOCUMENT_REFRESH_RUN_SECONDS", default=50.0)
# The header carrying surrogate keys on public answers (Fastly: Surrogate-Key, Cloudflare: Cache-Tag,
# Varnish xkey: xkey).
PUBLIC_CACHE_KEY_HEADER = env.str("PUBLIC_CACHE_KEY_HEADER", default="Surrogate-Key")
ARTICLE_SUMMARY_MAX_CHARS = 120
ARTICLE_SLUG_MAX_CHARS = 100
ARTICLE_RELATED_LIMIT = 5
# Revisions: every one is kept this many days, then the last of each day, every published
# state, every correction and the latest (a daily beat task; `manage.py revisions_prune`).
REVISION_KEEP_ALL_DAYS = env.int("REVISION_KEEP_ALL_DAYS", default=30)
# Shared tags are counted among articles of this many recent days, to bound the query.
ARTICLE_RELATED_WINDOW_DAYS = env.int("ARTICLE_RELATED_WINDOW_DAYS", default=365)
# An admin page that stops saying "still open" for this long no longer counts as someone editing.
EDIT_SESSION_SECONDS = env.int("EDIT_SESSION_SECONDS", default=90)
# A schedule further ahead than this is refused as a likely typo in the year.
SCHEDULE_MAX_DAYS_AHEAD = env.int("SCHEDULE_MAX_DAYS_AHEAD", default=366)
# How long a signed preview link works.
PREVIEW_MAX_AGE_SECONDS = env.int("PREVIEW_MAX_AGE_SECONDS", default=2 * 24 * 3600)
API_PAGE_SIZE = 20
API_MAX_PAGE_SIZE = 100
API_MAX_QUERY_CHARS = 100  # `q` anywhere: the search contract's limit

# Distribution (distribution/): feeds and sitemaps link to articles on the frontend, not the API.
FRONTEND_URL = env.str("FRONTEND_URL", default=PUBLIC_BASE_URL + "/").rstrip("/") + "/"
FRONTEND_ARTICLE_URL = env.str("FRONTEND_ARTICLE_URL", default=FRONTEND_URL + "a/{id}/{slug}")
SITE_NAME = env.str("SITE_NAME", default="Portal 新闻")
SITE_DESCRIPTION = env.str("SITE_DESCRIPTION", default="Portal 新闻最新报道")
NEWS_PUBLICATION_NAME = env.str("NEWS_PUBLICATION_NAME", default=SITE_NAME)
FEED_ITEMS = env.int("FEED_ITEMS", default=50)
FEED_FULL_TEXT = env.bool("FEED_FULL_TEXT", default=False)  # the whole body in feeds, not only the summary
WEBSUB_HUB_URL = env.str("WEBSUB_HUB_URL", default="")  # announced in feeds, pinged on every change
# 5,000 URLs (0.8 MB) a page: built in about 30 ms where 10,000 took 60.
SITEMAP_PAGE_SIZE = env.int("SITEMAP_PAGE_SIZE", default=5_000)
# Webhooks (Standard Webhooks): receivers at private, loopback or link-local addresses are refused
# unless this is set (development, tests); one attempt's timeout; posts in flight per worker.
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_THREADS = env.int("WEBHOOK_THREADS", default=16)
WEBHOOK_FULL_DOCUMENT = env.bool("WEBHOOK_FULL_DOCUMENT", default=False)  # the public document in payloads
# Waits before each retry of a webhook delivery, in seconds (jittered by up to a fifth).
_WEBHOOK_RETRY = ["5", "300", "1800", "7200", "18000", "36000", "86400"]
WEBHOOK_RETRY_SECONDS = [float(seconds) for seconds in env.list("WEBHOOK_RETRY_SECONDS", default=_WEBHOOK_RETRY)]
WEBHOOK_ROTATION_HOURS = env.int("WEBHOOK_ROTATION_HOURS", default=24)  # the old secret signs too, this long

# The change stream (core.outbox): relayed in the saving process right after each commit, and by
# the relay loop (manage.py outbox_relay) for retries; done events are kept this many days.
OUTBOX_RELAY_ON_COMMIT = env.bool("OUTBOX_RELAY_ON_COMMIT", default=True)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=7)
# A consumer failing on an event tries again after these many seconds (the last repeats), and
# after OUTBOX_QUARANTINE_AFTER attempts (about an hour) waits for a person's retry on the desk.
OUTBOX_RETRY_SECONDS = [
    float(s) for s in env.list("OUTBOX_RETRY_SECONDS", default=["1", "5", "30", "120", "300", "900", "2400"])
]
OUTBOX_QUARANTINE_AFTER = env.int("OUTBOX_QUARANTINE_AFTER", default=8)
# Purges (the answer cache, the CDN queue) are never quarantined: they retry this often until
# they succeed, so every answer reflects every change within seconds of a fault's end.
OUTBOX_PURGE_RETRY_SECONDS = env.float("OUTBOX_PURGE_RETRY_SECONDS", default=0.5)
# How often the relay loop looks for due work when nothing told it of any.
OUTBOX_POLL_SECONDS = env.float("OUTBOX_POLL_SECONDS", default=0.25)
# The relay loop leaves an event this long to the process that saved it (its own relay runs
# right after its commit), then takes it: a crash or a failed relay costs no more than this.
OUTBOX_RELAY_GRACE_SECONDS = env.float("OUTBOX_RELAY_GRACE_SECONDS", default=1.0)
# Where CDN purges go (distribution.purge): a no-op until a CDN backend is configured.
PURGE_BACKEND = env.str("PURGE_BACKEND", default="distribution.purge.NoPurge")
# How long a CDN that Portal purges may keep a public answer (Surrogate-Control and
# CDN-Cache-Control; Cache-Control keeps API_CDN_MAX_AGE for browsers). 0 sends neither: the
# default without a purge backend, as nothing would tell the CDN of a change.
CDN_MAX_AGE = env.int("CDN_MAX_AGE", default=0 if PURGE_BACKEND.endswith(".NoPurge") else 86_400)
# Purges wait this long in the queue, so a burst of changes purges each key once.
PURGE_WINDOW_SECONDS = env.float("PURGE_WINDOW_SECONDS", default=0.3)
# A purge the CDN refused is sent again after 1, 2, 4... seconds, at most this many apart.
PURGE_RETRY_MAX_SECONDS = env.float("PURGE_RETRY_MAX_SECONDS", default=4)
PURGE_SOFT = env.bool("PURGE_SOFT", default=True)  # mark stale (served while refetched), not drop
PURGE_VARNISH_URLS = env.list("PURGE_VARNISH_URLS", default=[])  # distribution.purge.Varnish and Urls
FASTLY_API_URL = env.str("FASTLY_API_URL", default="https://api.fastly.com")
FASTLY_SERVICE_ID = env.str("FASTLY_SERVICE_ID", default="")
FASTLY_API_TOKEN = env.str("FASTLY_API_TOKEN", default="")
CLOUDFLARE_API_URL = env.str("CLOUDFLARE_API_URL", default="https://api.cloudflare.com")
CLOUDFLARE_ZONE_ID = env.str("CLOUDFLARE_ZONE_ID", default="")
CLOUDFLARE_API_TOKEN = env.str("CLOUDFLARE_API_TOKEN", default="")
CLOUDFLARE_PURGE_PER_MINUTE = env.int("CLOUDFLARE_PURGE_PER_MINUTE", default=30)
# Backends that purge by URL (distribution.purge.Urls, .Aliyun, .Tencent): the public addresses
# of the API and feeds through the CDN, and how long the CDN may keep an answer none of them can
# name (search, other query strings).
PURGE_URL_BASES = env.list("PURGE_URL_BASES", default=[PUBLIC_BASE_URL])
PURGE_UNLISTED_MAX_AGE = env.int("PURGE_UNLISTED_MAX_AGE", default=60)
ALIYUN_CDN_API_URL = env.str("ALIYUN_CDN_API_URL", default="https://cdn.aliyuncs.com/")
ALIYUN_ACCESS_KEY_ID = env.str("ALIYUN_ACCESS_KEY_ID", default="")
ALIYUN_ACCESS_KEY_SECRET = env.str("ALIYUN_ACCESS_KEY_SECRET", default="")
TENCENT_CDN_API_URL = env.str("TENCENT_CDN_API_URL", default="https://cdn.tencentcloudapi.com/")
TENCENT_SECRET_ID = env.str("TENCENT_SECRET_ID", default="")
TENCENT_SECRET_KEY = env.str("TENCENT_SECRET_KEY", default="")
