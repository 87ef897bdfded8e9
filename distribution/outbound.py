"""Requests out to other people's servers: webhook receivers, a WebSub hub, a CDN's purge API.

Requests go out with the standard library's `http.client`, to the address that was checked:
the host is resolved once, every address it gives must be public (unless
`WEBHOOKS_ALLOW_PRIVATE`, or the caller trusts its own server), and the connection is made to
that address, so a name that resolves to a public address when checked and a private one when
connecting (DNS rebinding) reaches nothing private. Redirects are not followed; the whole
attempt has `WEBHOOK_TIMEOUT_SECONDS`. An attempt never raises: its `Result` says what happened.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

# Local-use NAT64 (RFC 8215): translates to whatever the operator's own network holds.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")
_WELL_KNOWN_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # RFC 2765's IPv4-translated
_COMPATIBLE = ipaddress.IPv6Network("::/96")  # the deprecated IPv4-compatible form


class AddressRefused(ValueError):
    """The URL is not one we deliver to (scheme, host, or a private address)."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries to the IPv4 internet: mapped, translated,
    compatible, NAT64, 6to4, Teredo's client."""
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address in _TRANSLATED or address in _WELL_KNOWN_NAT64 or address in _COMPATIBLE:
        return low32
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    return None


def _private(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Anything not globally routable (Python's `is_global`: private, shared 100.64/10, benchmark
    198.18/15, 0/8, loopback, link-local, documentation...), multicast, and an IPv6 address whose
    embedded IPv4 address is one of those."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _LOCAL_NAT64:
            return True
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return _private(embedded)
    return not address.is_global or address.is_multicast or address.is_reserved or address.is_unspecified


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked address connected to


def check_url(url: str, allow_private: bool | None = None) -> None:
    """Refuse what we would never deliver to, without resolving (for the form and the API)."""
    allow_private = settings.WEBHOOKS_ALLOW_PRIVATE if allow_private is None else allow_private
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused(_("Give an http or https URL."))
    if parts.username or parts.password:
        raise AddressRefused(_("Put no user name or password in the URL; receivers check the signature."))
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return
    if _private(literal) and not allow_private:
        raise AddressRefused(
            _("Only globally routable addresses are accepted: not private, shared, loopback or link-local.")
        )


def check_destination(url: str) -> None:
    """At creation: `check_url`, and the name resolved now, every address it gives public (unless
    WEBHOOKS_ALLOW_PRIVATE). Sending checks again, and connects only to what it checked."""
    if settings.WEBHOOKS_ALLOW_PRIVATE:
        check_url(url, True)
    else:
        resolve(url, False)


def resolve(url: str, allow_private: bool | None = None) -> Target:
    allow_private = settings.WEBHOOKS_ALLOW_PRIVATE if allow_private is None else allow_private
    check_url(url, allow_private)
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise AddressRefused(
            _("The host %(host)s does not resolve: %(reason)s") % {"host": parts.hostname, "reason": error}
        ) from error
    addresses = [info[4][0] for info in found]
    if not allow_private:
        refused = [a for a in addresses if _private(ipaddress.ip_address(a.split("%")[0]))]
        if refused:
            raise AddressRefused(
                _("%(host)s resolves to a private address (%(address)s).")
                % {"host": parts.hostname, "address": refused[0]}
            )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a checked address, with the host name for SNI and the certificate check."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


@dataclass
class Result:
    code: int | None = None
    latency_ms: int = 0
    error: str = ""
    retry_after: float | None = None  # seconds, from a 429 or 503
    body: bytes = b""  # the first 4 kB of the answer

    @property
    def ok(self) -> bool:
        return self.code is not None and 200 <= self.code < 300


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def post(url: str, body: bytes, sent_headers: dict[str, str], *, allow_private: bool | None = None) -> Result:
    """One attempt; never raises (a refused address, a timeout or a reset is the result's error).
    `allow_private` overrides `WEBHOOKS_ALLOW_PRIVATE` (an operator's own hub is trusted)."""
    return send("POST", url, body, sent_headers, allow_private=allow_private)


def send(
    method: str, url: str, body: bytes, sent_headers: dict[str, str], *, allow_private: bool | None = None
) -> Result:
    """`post` with any method (a CDN's PURGE)."""
    started = time.perf_counter()
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    connection = None
    try:
        target = resolve(url, allow_private)
        make = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
        connection = make(target, timeout)
        host = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
        connection.request(method, target.path, body=body, headers={**sent_headers, "host": host})
        response = connection.getresponse()
        answer = response.read(4096)  # a little of it, then the connection is closed
        result = Result(code=response.status, body=answer)
        if response.status in (429, 503):
            result.retry_after = _retry_after(response.getheader("retry-after"))
        if 300 <= response.status < 400:
            result.error = "redirects are not followed"
    except AddressRefused as error:
        result = Result(error=f"refused: {error}")
    except (OSError, http.client.HTTPException) as error:
        result = Result(error=f"{type(error).__name__}: {error}"[:500] or "connection failed")
    finally:
        if connection is not None:
            connection.close()
    result.latency_ms = int((time.perf_counter() - started) * 1000)
    return result
