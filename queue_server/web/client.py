"""Who the client is when a reverse proxy stands in front: the address `X-Forwarded-For`
names, believed only when it comes from a proxy the config trusts.

Why: rate limits are kept per client address. Behind a proxy every request comes from
the proxy's address, so every citizen would share one bucket; and a header anyone can
write must not let a client choose its own bucket. So the header is read only from a
trusted proxy, from its right end (the hop the proxy itself saw), past any further
trusted proxies, to the first address none of them is: that is the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aiohttp import web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """The proxies whose `X-Forwarded-For` is believed (`[security] trusted_proxies`)."""

    __slots__ = ("_networks",)

    def __init__(self, networks: Sequence[str] = ()) -> None:
        self._networks: tuple[Network, ...] = tuple(
            ipaddress.ip_network(n, strict=False) for n in networks
        )

    def __bool__(self) -> bool:
        return bool(self._networks)

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._networks)

    def client(self, peer: str, forwarded_for: str | None) -> str:
        """The client's address, given the connection's peer and its `X-Forwarded-For`."""
        if not forwarded_for or not self._networks or not self.trusts(peer):
            return peer
        nearest = peer
        for hop in reversed(forwarded_for.split(",")):
            hop = hop.strip()
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                return nearest  # garbage before this point was written by the client
            if not self.trusts(hop):
                return hop
            nearest = hop
        return nearest


TRUSTED_PROXIES = web.AppKey("trusted_proxies", TrustedProxies)


def client_address(request: web.Request) -> str:
    """The address a request's rate limits are kept under."""
    peer = request.remote or "unknown"
    proxies = request.app.get(TRUSTED_PROXIES)
    if not proxies:
        return peer
    return proxies.client(peer, request.headers.get("X-Forwarded-For"))
