"""The two CDNs Chinese sites use most, purged by URL through their signed APIs.

- `Aliyun`: Alibaba Cloud CDN, `RefreshObjectCaches` (API version 2018-05-10), an RPC call
  signed with HMAC-SHA1 (signature version 1.0): the sorted, percent-encoded parameters, as
  `POST&%2F&<them encoded again>`, keyed by the AccessKey secret and `&`. URLs are refreshed as
  `File`, folders as `Directory`; up to 1,000 URLs or 100 folders a call.
- `Tencent`: Tencent Cloud CDN, `PurgeUrlsCache` and `PurgePathCache` (API version 2018-06-06),
  signed with TC3-HMAC-SHA256: a canonical request over the JSON body and the `content-type` and
  `host` headers, a string to sign with the timestamp and the `date/cdn/tc3_request` scope, and
  a key derived from `TC3<secret>` through the date, the service and `tc3_request`.

Both are given absolute URLs: each path under every base in `PURGE_URL_BASES` (the public
addresses readers reach the API and feeds at, through the CDN).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import quote, urlencode, urlsplit

import orjson
from django.conf import settings

from ... import outbound
from .base import PurgeFailed
from .urls import UrlPurge


def _absolute(paths: list[str]) -> list[str]:
    return [base.rstrip("/") + path for base in settings.PURGE_URL_BASES for path in paths]


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _answer(result: outbound.Result, what: str) -> dict:
    """The JSON a cloud API answered, or PurgeFailed (to be retried) with what it said."""
    try:
        answer = orjson.loads(result.body or b"{}")
    except orjson.JSONDecodeError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    if not result.ok:
        detail = answer.get("Code") or answer.get("Message") or result.code or result.error
        raise PurgeFailed(f"{what}: {detail}", retry_after=result.retry_after)
    return answer


# --- Alibaba Cloud ------------------------------------------------------------------------------


def aliyun_encode(value: str) -> str:
    """Alibaba Cloud's percent-encoding: RFC 3986 unreserved characters stay, all else is %XX."""
    return quote(str(value), safe="-_.~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    canonical = "&".join(f"{aliyun_encode(k)}={aliyun_encode(params[k])}" for k in sorted(params))
    to_sign = f"{method}&{aliyun_encode('/')}&{aliyun_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class Aliyun(UrlPurge):
    batch_size = 1000  # URLs in one RefreshObjectCaches call

    def _call(self, paths: list[str], object_type: str) -> None:
        params = {
            "Action": "RefreshObjectCaches",
            "ObjectPath": "\n".join(paths),
            "ObjectType": object_type,
            "Format": "JSON",
            "Version": "2018-05-10",
            "AccessKeyId": settings.ALIYUN_ACCESS_KEY_ID,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "SignatureNonce": uuid.uuid4().hex,
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        params["Signature"] = aliyun_signature(params, settings.ALIYUN_ACCESS_KEY_SECRET)
        body = urlencode(params, quote_via=quote).encode()
        headers = {"content-type": "application/x-www-form-urlencoded", "accept": "application/json"}
        result = outbound.send("POST", settings.ALIYUN_CDN_API_URL, body, headers, allow_private=True)
        answer = _answer(result, "Alibaba Cloud CDN")
        if not answer.get("RefreshTaskId"):
            raise PurgeFailed(f"Alibaba Cloud CDN: no refresh task in {answer}")

    def purge(self, keys: list[str]) -> None:
        paths, folders = self.split(keys)
        for chunk in _chunks(_absolute(paths), 1000):
            self._call(chunk, "File")
        for chunk in _chunks(_absolute(folders), 100):
            self._call(chunk, "Directory")


# --- Tencent Cloud ------------------------------------------------------------------------------


def tencent_authorization(
    *, secret_id: str, secret_key: str, host: str, body: bytes, timestamp: int, service: str = "cdn"
) -> str:
    """The `Authorization` header of a TC3-HMAC-SHA256 signed POST of `body` (JSON) to `host`."""
    content_type = "application/json; charset=utf-8"
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{content_type}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

    def sign(key: bytes, message: str) -> bytes:
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    key = sign(sign(sign(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


class Tencent(UrlPurge):
    batch_size = 1000  # URLs in one PurgeUrlsCache call

    def _call(self, action: str, payload: dict) -> None:
        url = settings.TENCENT_CDN_API_URL
        host = urlsplit(url).netloc
        body = orjson.dumps(payload)
        timestamp = int(time.time())
        headers = {
            "authorization": tencent_authorization(
                secret_id=settings.TENCENT_SECRET_ID,
                secret_key=settings.TENCENT_SECRET_KEY,
                host=host,
                body=body,
                timestamp=timestamp,
            ),
            "content-type": "application/json; charset=utf-8",
            "x-tc-action": action,
            "x-tc-timestamp": str(timestamp),
            "x-tc-version": "2018-06-06",
        }
        answer = _answer(outbound.send("POST", url, body, headers, allow_private=True), f"Tencent Cloud CDN {action}")
        error = (answer.get("Response") or {}).get("Error")
        if error:  # the API answers 200 with the error inside
            throttled = error.get("Code", "").startswith("RequestLimitExceeded")
            raise PurgeFailed(f"Tencent Cloud CDN {action}: {error.get('Code')}", retry_after=60 if throttled else None)

    def purge(self, keys: list[str]) -> None:
        paths, folders = self.split(keys)
        for chunk in _chunks(_absolute(paths), 1000):
            self._call("PurgeUrlsCache", {"Urls": chunk})
        for chunk in _chunks(_absolute([f if f.endswith("/") else f + "/" for f in folders]), 100):
            self._call("PurgePathCache", {"Paths": chunk, "FlushType": "flush"})
