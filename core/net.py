"""The client's address behind proxies we trust, and nowhere else (`TRUSTED_PROXIES`)."""

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(settings.TRUSTED_PROXIES))


def parse_address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as proxies write it (`1.2.3.4`, `1.2.3.4:5678`, `[::1]:80`, `::1`), or None."""
    value = value.strip().strip('"')
    if value.startswith("["):
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]  # IPv4 with a port
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_trusted(address, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address.version == n.version and address in n for n in networks)


def client_address(peer: str, forwarded_for: str) -> tuple[str, bool]:
    """(the client's address, whether the peer is a trusted proxy).

    `X-Forwarded-For` is read only when the direct peer is trusted; then the hops are read
    from the right, and the first one that is not a trusted proxy is the client (everything
    left of it could have been written by the client itself).
    """
    networks = trusted_networks()
    peer_address = parse_address(peer)
    if not networks or not is_trusted(peer_address, networks):
        return peer, False
    client = peer
    for hop in reversed([h for h in forwarded_for.split(",") if h.strip()]):
        address = parse_address(hop)
        if address is None:
            break  # garbage from the client's side: the last trusted hop saw the client
        client = str(address)
        if not is_trusted(address, networks):
            break
    return client, True


def address_in(address: str, entries: list[str] | tuple[str, ...]) -> bool:
    """Whether `address` falls in any of `entries` (addresses and CIDRs, as settings give them)."""
    return bool(entries) and is_trusted(parse_address(address), _networks(tuple(entries)))


def request_address(request) -> str:
    """The client's address of a request that went through `TrustedProxyMiddleware`."""
    return request.META.get("REMOTE_ADDR", "")
