"""A local stand-in for Alibaba Cloud CDN's and Tencent Cloud CDN's purge APIs, written from their
published contracts: it checks each request's signature with its own code and records the URLs
and folders refreshed. Told to fail, it answers 500 (as a cloud API does when it is down)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote

ALIYUN = ("LTAI-test-key-id", "aliyun-test-secret")
TENCENT = ("AKID-test-secret-id", "tencent-test-secret-key")


def _aliyun_valid(form: dict[str, str]) -> bool:
    signature = form.pop("Signature", "")

    def encode(text: str) -> str:
        return quote(text, safe="-_.~")

    query = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(form.items()))
    to_sign = "POST&%2F&" + encode(query)
    expected = base64.b64encode(hmac.new((ALIYUN[1] + "&").encode(), to_sign.encode(), hashlib.sha1).digest())
    return hmac.compare_digest(expected.decode(), signature) and form.get("AccessKeyId") == ALIYUN[0]


def _tencent_valid(headers: dict[str, str], body: bytes) -> bool:
    authorization = headers.get("authorization", "")
    timestamp = int(headers.get("x-tc-timestamp", "0"))
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    request = (
        f"POST\n/\n\ncontent-type:{headers.get('content-type')}\nhost:{headers.get('host')}\n\n"
        f"content-type;host\n{hashlib.sha256(body).hexdigest()}"
    )
    scope = f"{date}/cdn/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(request.encode()).hexdigest()}"
    key = ("TC3" + TENCENT[1]).encode()
    for part in (date, "cdn", "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    expected = (
        f"TC3-HMAC-SHA256 Credential={TENCENT[0]}/{scope}, SignedHeaders=content-type;host, Signature={signature}"
    )
    return hmac.compare_digest(expected, authorization)


@dataclass
class CloudCdn:
    base: str = ""
    refreshed: list[tuple[str, str]] = field(default_factory=list)  # (kind, absolute URL)
    calls: list[str] = field(default_factory=list)  # the action of each call, signed or not
    refused: int = 0  # calls with a bad signature
    failing: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


def start() -> tuple[CloudCdn, ThreadingHTTPServer]:
    cdn = CloudCdn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            if self.path.startswith("/aliyun"):
                status, answer = self._aliyun(dict(parse_qsl(body.decode(), keep_blank_values=True)))
            else:
                status, answer = self._tencent(headers, body)
            raw = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _aliyun(self, form):
            with cdn.lock:
                cdn.calls.append(form.get("Action", ""))
                if cdn.failing:
                    return 500, {"Code": "InternalError", "Message": "The request processing has failed."}
                if not _aliyun_valid(dict(form)):
                    cdn.refused += 1
                    return 400, {"Code": "SignatureDoesNotMatch", "Message": "The signature does not match."}
                kind = {"File": "url", "Directory": "dir"}[form["ObjectType"]]
                cdn.refreshed += [(kind, url) for url in form["ObjectPath"].split("\n")]
            return 200, {"RefreshTaskId": "704222904", "RequestId": "D61E4801-EAFF-4A63-AAE1-FBF6CE1CFD1C"}

        def _tencent(self, headers, body):
            action = headers.get("x-tc-action", "")
            with cdn.lock:
                cdn.calls.append(action)
                if cdn.failing:
                    return 500, {}
                if not _tencent_valid(headers, body) or headers.get("x-tc-version") != "2018-06-06":
                    cdn.refused += 1
                    error = {"Code": "AuthFailure.SignatureFailure", "Message": "Bad credentials."}
                    return 200, {"Response": {"Error": error, "RequestId": "e0e9b4b3"}}
                payload = json.loads(body)
                if action == "PurgeUrlsCache":
                    cdn.refreshed += [("url", url) for url in payload["Urls"]]
                elif action == "PurgePathCache":
                    cdn.refreshed += [("dir", path) for path in payload["Paths"]]
            return 200, {"Response": {"TaskId": "15e1b4e1-5bd4-4b8e-84e4-2e6c2b5d6c1a", "RequestId": "e0e9b4b3"}}

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    cdn.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return cdn, server
