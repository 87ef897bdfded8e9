"""End to end: one trace crosses processes. `serve.sh` runs gunicorn and the per-queue Celery
workers with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a collector the test runs (it decodes the
OTLP protobuf it receives); a photo uploaded with a caller's `traceparent` yields the web's
request span and the photo worker's task span in that one trace."""

import os
import signal
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from bench.common import free_port, login, wait_for

from .conftest import PYTHON, ROOT, jpeg_photo, multipart

TRACE = "5b8efff798038103d269b633813fc60c"


class Collector(BaseHTTPRequestHandler):
    spans: list[tuple[str, str, str]] = []  # (service, trace id, span name)

    def do_POST(self):  # noqa: N802 - the handler's protocol
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        for resource_spans in request.resource_spans:
            service = next(
                (a.value.string_value for a in resource_spans.resource.attributes if a.key == "service.name"), ""
            )
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    Collector.spans.append((service, span.trace_id.hex(), span.name))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


def test_an_upload_is_one_trace_from_the_request_to_the_photo_worker(site_env, tmp_path):
    collector = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    port = free_port()
    env = {
        **site_env,
        "SERVE_ROLES": "web,workers",
        "PORTAL_PORT": str(port),
        "PORTAL_BIN": str(Path(PYTHON).parent),
        "WEB_CONCURRENCY": "1",
        "WORKER_RENDITIONS_CONCURRENCY": "1",
        "WORKER_OUTBOX_CONCURRENCY": "1",
        "WORKER_DEFAULT_CONCURRENCY": "1",
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.server_address[1]}",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    }
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(
        ["bash", "scripts/serve.sh"], cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/readyz", timeout=60)
        body, content_type = multipart({"alt": "追踪", "caption": "一条追踪"}, jpeg_photo())
        request = urllib.request.Request(
            f"{base}/api/v1/editor/images/",
            data=body,
            method="POST",
            headers={
                **login(base, "photo", "portal-photo"),
                "Content-Type": content_type,
                "traceparent": f"00-{TRACE}-b7ad6b7169203331-01",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201

        deadline = time.monotonic() + 60
        while True:
            ours = [(service, name) for service, trace, name in Collector.spans if trace == TRACE]
            web = {name for service, name in ours if service == "portal-web"}
            worker = {name for service, name in ours if service == "portal-worker"}
            uploaded = any(name.startswith("POST /api/v1/editor/") and "images" in name for name in web)
            if uploaded and any("renditions_generate" in name for name in worker):
                break
            assert time.monotonic() < deadline, (ours, (tmp_path / "serve.log").read_text()[-2000:])
            time.sleep(0.5)
        assert any(name.startswith("run/") for name in worker)  # Celery's span of the task itself
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        finally:
            if subprocess.run(
                ["ps", "-o", "pid=", "-g", str(serve.pid)], capture_output=True, text=True
            ).stdout.strip():
                os.killpg(serve.pid, signal.SIGKILL)
            log.close()
            collector.shutdown()
