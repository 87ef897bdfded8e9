"""Standard Webhooks on the wire: the signature headers of a delivery (sent by `outbound`).

https://www.standardwebhooks.com/: `webhook-id` (the delivery's, the same on every retry),
`webhook-timestamp` (this attempt's, in seconds), and `webhook-signature`: `v1,` and the base64
HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed by the secret's bytes, one per secret in use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def headers(secrets: list[str], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, message_id, timestamp, body) for s in secrets),
        "content-type": "application/json",
        "user-agent": "Portal-Webhooks/1",
    }
