"""Error reports to Sentry, or to any server that speaks its protocol (GlitchTip, a self-hosted
Sentry), when SENTRY_DSN is set: unhandled errors of requests (Django) and tasks (Celery), with
no cookies, user details or request bodies, and no performance tracing (that is OpenTelemetry's).
"""


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
        # Who the reader or editor was, their cookies and what they sent stay here; headers go
        # through Sentry's list of sensitive names.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_bodies": [],
            "http_headers": {"request": {"mode": "denylist"}},
            "url_query_params": {"mode": "denylist"},
            "stack_frame_variables": False,
        },
        traces_sample_rate=0.0,
    )
    return True
