"""gunicorn's access log without preview tokens (`logger_class` in deploy/gunicorn.conf.py): the
request line, the path and the referrer of `/preview/<token>/` read `/preview/[redacted]/`."""

from gunicorn.glogging import Logger

from . import redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        found = super().atoms(resp, req, environ, request_time)
        return {key: redact.path(value) if isinstance(value, str) else value for key, value in found.items()}
