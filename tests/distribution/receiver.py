"""A real HTTP receiver for webhook tests: records every request, answers as told per path."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    method: str = "POST"
    status: int = 0  # what the receiver answered


@dataclass
class Receiver:
    base: str
    requests: list[Received] = field(default_factory=list)
    # path -> answers to give in turn (status, headers, delay seconds); the last one repeats
    answers: dict[str, list[tuple[int, dict, float]]] = field(default_factory=lambda: defaultdict(list))

    def answer(self, path: str, *answers: tuple[int, dict, float]) -> str:
        self.answers[path] = list(answers)
        return self.base + path

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 10) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.at(path)) >= count:
                return self.at(path)
            time.sleep(0.02)
        raise AssertionError(f"{path} got {len(self.at(path))} requests, not {count}")


def start() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("content-length", 0))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            queue = receiver.answers.get(self.path) or [(200, {}, 0.0)]
            status, answer_headers, delay = queue.pop(0) if len(queue) > 1 else queue[0]
            receiver.requests.append(Received(self.path, headers, body, time.monotonic(), self.command, status))
            if delay:
                time.sleep(delay)
            self.send_response(status)
            for name, value in answer_headers.items():
                self.send_header(name, value)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_PURGE = do_POST  # noqa: N815 (a CDN's method)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server
