"""Settings for Portal, all from the environment, defaulting to the embedded setup."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from portal.csp_policy import content_security_policy

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-the-embedded-setup"
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Production behind HTTPS (DJANGO_HTTPS=true): redirect plain HTTP (health checks excepted), HSTS,
# cookies only over HTTPS, and X-Forwarded-Proto believed from TRUSTED_PROXIES (the middleware
# drops it from anyone else). `manage.py check --deploy` passes with these (a test).
HTTPS = env.bool("DJANGO_HTTPS", default=False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Proxies and CDN edges (addresses and CIDRs) whose X-Forwarded-For and X-Forwarded-Proto are
# believed; from anyone else those headers are dropped (core.middleware.TrustedProxyMiddleware).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

INSTALLED_APPS = [
    "portal.admin_site.PortalAdminConfig",  # django.contrib.admin with the desk's front page
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "csp",
    "django_prose_editor",
    "core",
    "media",
    "articles",
    "trending",
    "search",
    "distribution",
    "portal",
]

MIDDLEWARE = [
    "core.middleware.TrustedProxyMiddleware",
    "core.middleware.LanguageMiddleware",
    "core.middleware.RejectNulMiddleware",
    "core.middleware.ApiJsonErrorsMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.PageCSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

# Logins (admin and token) are counted per account and address by django-axes: after
# LOGIN_FAILURE_LIMIT wrong passwords that pair is locked for LOGIN_LOCKOUT_MINUTES. A
# superuser unlocks early by deleting the attempt under 访问尝试 in the admin, or with
# `manage.py axes_reset_username NAME`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.net.request_address"  # REMOTE_ADDR, as TrustedProxyMiddleware left it
AXES_LOCKOUT_CALLABLE = "portal.lockout.lockout_response"
AXES_VERBOSE = False

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite in var/ (WAL) unless DATABASE_URL names another.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside one writer; IMMEDIATE takes the write lock
        # at BEGIN so concurrent writers queue instead of failing mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    # Off: one round trip less on every read; a database that restarted costs each web process
    # one 503 (Retry-After) before it reconnects. On: a `SELECT 1` before each request's first
    # query, so not even that one fails.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_HEALTH_CHECKS", default=False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite cannot enforce "one pin per position" when the section is empty; services replace
# conflicting pins first, and PostgreSQL enforces it too.
SILENCED_SYSTEM_CHECKS = ["models.W047"]

# One REDIS_URL feeds the cache and the broker; without it nothing needs a server.
REDIS_URL = env.str("REDIS_URL", default="")
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="portal")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            # Files are shared by every process on the machine, unlike local memory.
            "BACKEND": "core.cache.FileCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 60
# A message taken by a worker that dies without acknowledging it goes back to the queue after
# this long (Redis): longer than a task may run (CELERY_TASK_TIME_LIMIT), or a slow task would
# run twice; far less than Redis's default hour, or a killed worker's rendition job waits that long.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 60)
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport: a folder every process on the machine shares.
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "processed"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # broadcast exchanges (else ./control)
        "store_processed": False,
        # Workers look for new messages this often (kombu's default, 1 s, delays CDN purges).
        "polling_interval": 0.1,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_TASK_IGNORE_RESULT = True
# Tasks that acknowledge late go back to the queue when their worker process is killed.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic tasks live in the database (django-celery-beat), made by data migrations,
# so editors' changes in the admin ("Periodic tasks") survive restarts.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = env.str("TIME_ZONE", default="Asia/Shanghai")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# The admin's and the API docs' assets are served by every web process (WhiteNoise),
# straight from the installed apps, so no collectstatic step is needed to run.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise looks there first
WHITENOISE_AUTOREFRESH = DEBUG
# Where readers fetch photos: a path under this site (the embedded default, served by the web
# process) or a CDN's address (`https://img.example.cn/`). Public answers give absolute URLs, so
# a relative MEDIA_URL is joined to PUBLIC_BASE_URL, this site's own address as readers reach it.
# Stored documents hold these URLs: after changing either, run `manage.py documents_rebuild --all`.
MEDIA_URL = env.str("MEDIA_URL", default="/uploads/")
PUBLIC_BASE_URL = env.str(
    "PUBLIC_BASE_URL",
    default=f"http://{env.str('PORTAL_HOST', default='127.0.0.1')}:{env.int('PORTAL_PORT', default=8000)}",
).rstrip("/")
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "uploads"))

# Content-Security-Policy (django-csp) on every page people open; see portal/csp_policy.py.
CONTENT_SECURITY_POLICY = content_security_policy(MEDIA_URL, PUBLIC_BASE_URL)

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
TRENDING_RAILS = {
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

# Request size limits: JSON bodies beyond this answer 413 instead of being read.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["core.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Token first, so an anonymous request is told how to authenticate (401, not 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.json_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "auth": env.str("AUTH_THROTTLE_RATE", default="20/min"),
        "trending-events": env.str("TRENDING_EVENTS_RATE", default="1200/min"),
    },
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# API tokens (django-rest-knox): hashed, one per login, expiring API_TOKEN_TTL_DAYS after their
# last use; `Authorization: Token <token>` as before.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=7)),
    "AUTO_REFRESH": True,
    "MIN_REFRESH_INTERVAL": 3600,
    "AUTH_HEADER_PREFIX": "Token",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Portal API",
    "DESCRIPTION": "Public and editor REST API of the Portal news backend.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every error an operation can answer, typed, and tags (articles, media, trending, editor, auth).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "portal.schema.document_errors"],
    "TAGS": [
        {"name": "articles", "description": "Published articles, authors, sections and tags (public)."},
        {"name": "trending", "description": "The trending rail and view events; pins and exclusions for editors."},
        {"name": "search", "description": "Chinese and Latin full-text search of published articles; suggestions."},
        {"name": "media", "description": "Photos, renditions and agencies."},
        {"name": "editor", "description": "The newsroom's API: articles in every state, workflow, names."},
        {"name": "auth", "description": "Tokens: log in, list, revoke, log out."},
    ],
    # A photo's licence and an agency's default licence are the same choices: one enum.
    "ENUM_NAME_OVERRIDES": {"LicenseEnum": "media.models.License"},
}

# How long our cache keeps a public answer. Every editorial change purges it at
# once, so this bounds only what changes without an edit (view counts).
API_CACHE_SECONDS = env.int("API_CACHE_SECONDS", default=60)
# Each web process may answer from its own memory this long before asking the
# shared cache whether something changed (other processes' edits show this late).
API_LOCAL_CACHE_SECONDS = env.float("API_LOCAL_CACHE_SECONDS", default=0.5)
API_LOCAL_CACHE_ENTRIES = env.int("API_LOCAL_CACHE_ENTRIES", default=500)
# Admission of article details: a detail enters the shared cache from the request of it a web
# process sees this many times (among its last API_CACHE_SIGHTINGS URLs). The long tail read
# once in a while (an archive reached from search and social) then costs one query each, not a
# query plus two cache round trips and memory; a detail read again and again is cached as before. List
# pages are cached at once. 1: every answer on first read.
API_CACHE_ADMIT_AFTER = env.int("API_CACHE_ADMIT_AFTER", default=3)
API_CACHE_SIGHTINGS = env.int("API_CACHE_SIGHTINGS", default=20_000)
# Cache-Control max-age for browsers and a CDN in front: how stale a reader may be.
API_CDN_MAX_AGE = env.int("API_CDN_MAX_AGE", default=5)
# A stored document is rendered anew at least this often (its related articles age).
DOCUMENT_REFRESH_SECONDS = env.int("DOCUMENT_REFRESH_SECONDS", default=3600)
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
SITEMAP_PAGE_SIZE = env.int("SITEMAP_PAGE_SIZE", default=10_000)
# Webhooks (Standard Webhooks): receivers at private, loopback or link-local addresses are refused
# unless this is set (development, tests); one attempt's timeout; posts in flight per worker.
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_THREADS = env.int("WEBHOOK_THREADS", default=16)
WEBHOOK_FULL_DOCUMENT = env.bool("WEBHOOK_FULL_DOCUMENT", default=False)  # the public document in payloads
WEBHOOK_ROTATION_HOURS = env.int("WEBHOOK_ROTATION_HOURS", default=24)  # the old secret signs too, this long

# The change stream (core.outbox): relayed in the saving process right after each commit, and by
# a beat sweep for anything left; done events are kept this many days for inspection.
OUTBOX_RELAY_ON_COMMIT = env.bool("OUTBOX_RELAY_ON_COMMIT", default=True)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=7)
OUTBOX_MAX_BACKOFF_SECONDS = env.int("OUTBOX_MAX_BACKOFF_SECONDS", default=600)
# Where CDN purges go (core.purge): a no-op until a CDN backend is configured.
PURGE_BACKEND = env.str("PURGE_BACKEND", default="core.purge.NoPurge")
# How long a CDN that Portal purges may keep a public answer (Surrogate-Control and
# CDN-Cache-Control; Cache-Control keeps API_CDN_MAX_AGE for browsers). 0 sends neither: the
# default without a purge backend, as nothing would tell the CDN of a change.
CDN_MAX_AGE = env.int("CDN_MAX_AGE", default=0 if PURGE_BACKEND == "core.purge.NoPurge" else 86_400)
# Purges wait this long in the queue, so a burst of changes purges each key once.
PURGE_WINDOW_SECONDS = env.float("PURGE_WINDOW_SECONDS", default=0.3)
PURGE_SOFT = env.bool("PURGE_SOFT", default=True)  # mark stale (served while refetched), not drop
PURGE_VARNISH_URLS = env.list("PURGE_VARNISH_URLS", default=[])  # distribution.purge.Varnish and Urls
FASTLY_API_URL = env.str("FASTLY_API_URL", default="https://api.fastly.com")
FASTLY_SERVICE_ID = env.str("FASTLY_SERVICE_ID", default="")
FASTLY_API_TOKEN = env.str("FASTLY_API_TOKEN", default="")
CLOUDFLARE_API_URL = env.str("CLOUDFLARE_API_URL", default="https://api.cloudflare.com")
CLOUDFLARE_ZONE_ID = env.str("CLOUDFLARE_ZONE_ID", default="")
CLOUDFLARE_API_TOKEN = env.str("CLOUDFLARE_API_TOKEN", default="")
CLOUDFLARE_PURGE_PER_MINUTE = env.int("CLOUDFLARE_PURGE_PER_MINUTE", default=30)

REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
