"""The framework's settings: Django, its apps and middleware, the database, cache and broker,
languages, files, the API framework and logging; all from the environment, defaulting to the
embedded setup."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from core import logs, replicas, storage
from portal import error_reports
from portal.csp_policy import content_security_policy

BASE_DIR = Path(__file__).resolve().parent.parent.parent
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
    # First, so it times everything else (absent unless METRICS_ENABLED).
    "core.metrics.MetricsMiddleware",
    # Every request gets an id (X-Request-ID) that its log lines carry.
    "core.logs.RequestIdMiddleware",
    "core.middleware.TrustedProxyMiddleware",
    # Under a CDN purged by URL, what it cannot purge is kept briefly (distribution.purge).
    "distribution.middleware.UnlistedMaxAgeMiddleware",
    "core.middleware.LanguageMiddleware",
    "core.middleware.RejectNulMiddleware",
    "core.middleware.ApiJsonErrorsMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.replicas.ReplicaReadsMiddleware",
    # Public reads (an article, a list page) are answered here, without what follows (core.public_reads).
    "core.public_reads.PublicReadsMiddleware",
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
# One address across accounts (room for a newsroom behind one office address), and one account
# across addresses (a password guessed at from many machines); both within LOGIN_LOCKOUT_MINUTES.
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_HANDLER = "portal.lockout.LoginLimits"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]  # portal.lockout.LOCKOUT_GROUPS
AXES_RESET_ON_SUCCESS = True
# REMOTE_ADDR as TrustedProxyMiddleware left it; an IPv6 client by its /64 (one machine's share).
AXES_CLIENT_IP_CALLABLE = "core.net.limit_address"
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
# Persistent connections, SQLite's too: opening one (and its PRAGMAs) cost more than a public read.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # On: a persistent connection is checked (`SELECT 1`) before a request's first ORM query, so
    # a database that restarted costs no reader a 503 (the hot public reads check by reading:
    # core.sql). Off saves that round trip, and each web process then answers one 503
    # (Retry-After) after a blip before it reconnects.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_HEALTH_CHECKS", default=True)
# The hot public reads (core.sql) are prepared statements on PostgreSQL; turn off behind a pooler
# that cannot keep them (PgBouncer before 1.21 in transaction mode).
DATABASE_PREPARED_READS = env.bool("DATABASE_PREPARED_READS", default=True)
if DATABASE_PREPARED_READS and DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # Prepared reads run on the plan made once a connection (core.sql._plan_mode); set when the
    # connection opens, as a round trip after would cost. Only prepared statements use it.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c plan_cache_mode=force_generic_plan".strip()
# Read replicas (PostgreSQL hot standbys), comma-separated: public reads go to one that keeps
# up (core.replicas); writes, editors, workers and migrations use the primary.
# A replica that does not answer a statement within this long (seconds) is cut off and the read
# runs again on the primary; one that does not take a connection within it is left out.
DATABASE_REPLICA_TIMEOUT = env.float("DATABASE_REPLICA_TIMEOUT", default=0.5)
DATABASES.update(
    replicas.settings_for(
        env.list("DATABASE_REPLICA_URLS", default=[]),
        DATABASES["default"],
        environ.Env.db_url_config,
        timeout=DATABASE_REPLICA_TIMEOUT,
    )
)
# A replica replaying further behind than this is left out, and a purge waits this long at most.
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5.0)
# After an editor's write, their browser reads the primary this long (a cookie).
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=30)
# A replica that failed is tried again after this long.
REPLICA_RETRY_SECONDS = env.float("REPLICA_RETRY_SECONDS", default=5.0)
DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
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
# Workers log through LOGGING (core/logs.py: JSON with the task id), not Celery's own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_SOFT_TIME_LIMIT = 60
# A message taken by a worker that dies without acknowledging it goes back to the queue after
# this long (Redis): longer than a task may run (CELERY_TASK_TIME_LIMIT), or a slow task would
# run twice; far less than Redis's default hour, or a killed worker's rendition job waits that long.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 60)
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport: a folder every process on the machine shares. Ours writes
    # each message whole before a worker can see it (core.broker).
    CELERY_BROKER_TRANSPORT = "core.broker:Transport"
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
# One queue per kind of work, so a burst of one never waits behind another: a hundred 50-megapixel
# uploads do not hold back the rail's 15-second refresh. A worker started without -Q takes every
# queue (make run); scripts/serve.sh gives each its own workers.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [
    Queue(name, routing_key=name) for name in ("default", "rail", "outbox", "renditions", "maintenance")
]
CELERY_TASK_ROUTES = {
    # The rail: its refresh, the view counts it flushes, which articles may count.
    "trending.tasks.trending_refresh_task": {"queue": "rail"},
    "trending.tasks.view_counts_flush_task": {"queue": "rail"},
    "trending.tasks.eligibility_update_task": {"queue": "rail"},
    # The change stream and what carries it out: CDN purges, webhooks, WebSub pings.
    "core.tasks.outbox_relay_task": {"queue": "outbox"},
    "distribution.tasks.purge_flush_task": {"queue": "outbox"},
    "distribution.tasks.webhooks_deliver_task": {"queue": "outbox"},
    "distribution.tasks.websub_ping_task": {"queue": "outbox"},
    # Photo work: seconds of CPU each.
    "media.tasks.renditions_generate_task": {"queue": "renditions"},
    "media.tasks.renditions_sweep_missing_task": {"queue": "renditions"},
    # Bulk maintenance: sweeps and prunes that may take minutes.
    "articles.tasks.revisions_prune_task": {"queue": "maintenance"},
    "articles.tasks.documents_refresh_task": {"queue": "maintenance"},
    "core.tasks.outbox_prune_task": {"queue": "maintenance"},
    "media.tasks.images_sweep_expired_task": {"queue": "maintenance"},
    "trending.tasks.trending_maintain_task": {"queue": "maintenance"},
    "portal.tasks.tokens_prune_task": {"queue": "maintenance"},
    # Everything else, scheduled publishing included, goes to "default".
}
CELERY_TASK_IGNORE_RESULT = True
# Tasks that acknowledge late go back to the queue when their worker process is killed.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# django-celery-beat's database schedule, riding out database outages (portal/beat.py).
CELERY_BEAT_SCHEDULER = "portal.beat:ResilientScheduler"
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
# Uploads and renditions: files under MEDIA_ROOT, or S3-compatible object storage shared by every
# host (`s3://bucket?endpoint=https://s3.example.com&region=...&prefix=...`; see core/storage.py).
STORAGES = storage.storages_for(env.str("MEDIA_STORAGE_URL", default=""))

# Prometheus metrics at /metrics (core/metrics.py). Scrapers prove themselves with the token
# (`Authorization: Bearer ...`) or come from an address listed; with neither set, only this
# machine (loopback) may scrape. Several processes add up through PROMETHEUS_MULTIPROC_DIR,
# which scripts/serve.sh and deploy/gunicorn.conf.py set (var/metrics) and empty at start.
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=False)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_ADDRESSES = env.list("METRICS_ALLOWED_ADDRESSES", default=[])

# Content-Security-Policy (django-csp) on every page people open; see portal/csp_policy.py.
CONTENT_SECURITY_POLICY = content_security_policy(MEDIA_URL, PUBLIC_BASE_URL)

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
    "EXCEPTION_HANDLER": "core.errors.json_exception_handler",
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


REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)

# Logs: one JSON object a line (LOG_FORMAT=json, the default outside DEBUG) with the request id,
# user, trace and task ids (core/logs.py); plain text for people at a terminal (`make run`).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = logs.config(level=env.str("LOG_LEVEL", default="INFO"), fmt=LOG_FORMAT)

# Error reports (portal.error_reports) when a DSN is given: Sentry's, or a compatible server's.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production" if not DEBUG else "development")
PORTAL_RELEASE = env.str("PORTAL_RELEASE", default="")
error_reports.init(SENTRY_DSN, environment=SENTRY_ENVIRONMENT, release=PORTAL_RELEASE)
