"""Error reports to Sentry, or to any server that speaks its protocol (GlitchTip, a self-hosted
Sentry), when SENTRY_DSN is set: unhandled errors of requests (Django) and tasks (Celery).

Nothing personal or secret goes in an envelope: no cookies, user details, bodies, query strings,
SQL values (a query breadcrumb keeps the query's shape: Django's psycopg cursor writes the values
into the text, a session key among them), headers beyond a harmless few (no `Authorization`, no
`Referer`), preview tokens in any URL or message; no performance tracing (that is OpenTelemetry's)
and no `sentry-trace`/`baggage` headers on anything we send (webhooks, purges, pings).
"""

# Request headers an error report may carry: what helps to reproduce, nothing that names anyone.
HEADERS = ["Accept", "Accept-Encoding", "Accept-Language", "Content-Length", "Content-Type", "Host", "User-Agent"]


def before_breadcrumb(crumb: dict, hint) -> dict:
    from core import redact

    if crumb.get("category") == "query":
        crumb["message"] = redact.sql(crumb.get("message") or "")
        crumb["data"] = {}
    return redact.everywhere(crumb)


def before_send(event: dict, hint) -> dict:
    from core import redact

    request = event.get("request")
    if isinstance(request, dict):
        request.pop("query_string", None)
        request.pop("cookies", None)
        request.pop("data", None)
    return redact.everywhere(event)


def init(dsn: str, *, environment: str, release: str) -> bool:
    """Start reporting to `dsn`; nothing (and no import) without one. Returns whether it started."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # Who the reader or editor was, their cookies, what they sent and the values in SQL stay here.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_bodies": [],
            "http_headers": {"request": {"mode": "allowlist", "terms": HEADERS}},
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
        },
        before_breadcrumb=before_breadcrumb,
        before_send=before_send,
        traces_sample_rate=0.0,
        trace_propagation_targets=[],  # our requests out carry no trace headers of Sentry's
    )
    return True
