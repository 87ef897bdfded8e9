"""`manage.py serve_metrics`: /metrics for a host without a web process (workers, beat)."""

from wsgiref.simple_server import WSGIRequestHandler, make_server

from django.core.management.base import BaseCommand


class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):  # scrapes every few seconds are not news
        pass


class Command(BaseCommand):
    help = "Serve this host's metrics (PROMETHEUS_MULTIPROC_DIR) for Prometheus, on METRICS_PORT."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=None, help="address to listen on (METRICS_HOST, 0.0.0.0)")
        parser.add_argument("--port", type=int, default=None, help="port (METRICS_PORT, 9464)")

    def handle(self, *args, host=None, port=None, **options):
        import os

        from django.http import Http404
        from django.test import RequestFactory

        from portal.views import metrics

        host = host or os.environ.get("METRICS_HOST", "0.0.0.0")  # noqa: S104 - scrapers reach it
        port = port or int(os.environ.get("METRICS_PORT", "9464"))
        factory = RequestFactory()

        def app(environ, start_response):
            # The same checks as the web's /metrics (token, addresses), through the same view.
            request = factory.generic(
                environ.get("REQUEST_METHOD", "GET"),
                environ.get("PATH_INFO", "/metrics"),
                REMOTE_ADDR=environ.get("REMOTE_ADDR", ""),
                HTTP_AUTHORIZATION=environ.get("HTTP_AUTHORIZATION", ""),
            )
            try:
                response = metrics(request)
            except Http404:  # not enabled, or not allowed
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return [b"Not found.\n"]
            start_response("200 OK", [("Content-Type", response["Content-Type"])])
            return [response.content]

        self.stdout.write(f"metrics on http://{host}:{port}/metrics")
        with make_server(host, port, app, handler_class=_Quiet) as server:
            server.serve_forever()
