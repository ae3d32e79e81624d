"""Which address a request came from, when Archive may sit behind a reverse proxy.

Behind Caddy every socket comes from Caddy, so counting the socket's address would make every
person one "client" (six wrong passwords for you from anywhere would lock you out). The proxy
says who its client was in ``X-Forwarded-For``; but anyone can send that header, so it is read
only when the socket's peer is one of ``ARCHIVE_TRUSTED_PROXIES``. Each proxy appends the
address it saw on the right, so the right-most hop that is not itself a trusted proxy is the
first address no proxy of ours vouches for: the client. Hops left of it may be forged.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

UNKNOWN = "unknown"
MAX_LENGTH = 64


def parse_trusted(entry: str) -> Network:
    """One ``ARCHIVE_TRUSTED_PROXIES`` entry (an address or a CIDR) as a network.

    Raises ``ValueError`` with a readable sentence for anything else."""
    text = entry.strip()
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(
            f"{text!r} is not an IP address or CIDR range (examples: 172.30.0.2, 172.30.0.0/24, "
            "fd00::/64)"
        ) from None


@lru_cache(maxsize=64)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(parse_trusted(t) for t in trusted if t.strip())


def _address(raw: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = (raw or "").strip()
    if text.startswith("[") and "]" in text:  # "[::1]:443" or "[::1]"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "1.2.3.4:5678"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(raw: str | None, networks: tuple[Network, ...]) -> bool:
    address = _address(raw)
    return address is not None and any(address in net for net in networks)


def client_ip(peer: str | None, forwarded_for: str | None, trusted: Sequence[str]) -> str:
    """The client's address: the right-most untrusted hop of ``X-Forwarded-For`` when ``peer``
    is a trusted proxy, else ``peer`` itself ("unknown" when nothing is known)."""
    networks = _networks(tuple(trusted))
    peer_text = (peer or "").strip()[:MAX_LENGTH] or UNKNOWN
    if not networks or not forwarded_for or not _is_trusted(peer, networks):
        return peer_text
    hops = [hop.strip() for hop in forwarded_for.split(",")]
    for hop in reversed(hops):
        if not hop:
            continue
        if _is_trusted(hop, networks):
            continue
        address = _address(hop)
        # A hop that is not an address (garbage, "unknown", an obfuscated name) is still the
        # client as far as our proxies know; keep it short so it cannot bloat a key.
        return str(address) if address is not None else hop[:MAX_LENGTH]
    # Every hop is one of our proxies (e.g. a health check from inside): the left-most one.
    first = next((hop for hop in hops if hop), "")
    return first[:MAX_LENGTH] or peer_text
