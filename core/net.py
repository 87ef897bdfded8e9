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


def client_address(peer: str, forwarded_for: str) -> tuple[str, bool, bool]:
    """(the client's address, whether the peer is a trusted proxy, whether the client is known).

    `X-Forwarded-For` is read only when the direct peer is trusted; then the hops are read
    from the right, and the first one that is not a trusted proxy is the client (everything
    left of it could have been written by the client itself). A trusted proxy that names no
    client, or whose nearest hop is no address (`unknown`, `_hidden`: RFC 7239's obfuscated
    names), leaves the client unknown: the address is then the last proxy's, which must not
    count as the client's own (a loopback proxy is not a local scraper).
    """
    networks = trusted_networks()
    peer_address = parse_address(peer)
    if not networks or not is_trusted(peer_address, networks):
        return peer, False, True
    client, known = peer, False
    for hop in reversed([h for h in forwarded_for.split(",") if h.strip()]):
        address = parse_address(hop)
        if address is None:
            break  # an obfuscated or garbled hop: whoever is behind it is not known
        client, known = str(address), True
        if not is_trusted(address, networks):
            break
    return client, True, known


def address_in(address: str, entries: list[str] | tuple[str, ...]) -> bool:
    """Whether `address` falls in any of `entries` (addresses and CIDRs, as settings give them)."""
    return bool(entries) and is_trusted(parse_address(address), _networks(tuple(entries)))


def request_address(request) -> str:
    """The client's address of a request that went through `TrustedProxyMiddleware`."""
    return request.META.get("REMOTE_ADDR", "")


def client_known(request) -> bool:
    """False when a trusted proxy forwarded the request without naming its client."""
    return request.META.get("PORTAL_CLIENT_KNOWN", True) is not False


def limit_key(address: str) -> str:
    """What per-address limits count by: an IPv4 address, or an IPv6 client's /64 (one subscriber
    line or machine is handed a whole /64, so a client could otherwise step through 2**64
    addresses)."""
    parsed = parse_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        # The block's first address (`2001:db8:1:2::`): still an address, as django-axes stores it.
        return str(ipaddress.IPv6Network((parsed, 64), strict=False).network_address)
    return str(parsed) if parsed is not None else address


def limit_address(request, *args) -> str:
    """`request_address` as per-address limits count it (django-axes' AXES_CLIENT_IP_CALLABLE)."""
    return limit_key(request_address(request))
