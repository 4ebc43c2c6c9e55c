"""Which web pages may open `/ws`: the browser's `Origin` against the server's own.

Why: a websocket is not bound by the same-origin policy, and the browser sends the
session cookie with it; without this check, a page on any site opened in a logged-in
browser could open a staff or admin socket and read the queue.  Browsers always send
`Origin` on a websocket handshake; programs (the display agent, a keypad bridge) send
none or what they like, and authenticate with a token, so a missing `Origin` passes.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def normal_origin(origin: str) -> str | None:
    """`scheme://host[:port]`, lower case, default port dropped; None if not an origin."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in _DEFAULT_PORTS or not host or parts.path not in ("", "/"):
        return None
    if parts.query or parts.fragment or parts.username or parts.password:
        return None
    if ":" in host:
        host = f"[{host}]"  # IPv6, as in a URL
    return (
        f"{scheme}://{host}"
        if port in (None, _DEFAULT_PORTS[scheme])
        else f"{scheme}://{host}:{port}"
    )


def _authority(origin: str) -> str:
    """An origin's `host[:port]`, with the port spelled out, to compare with a Host header."""
    parts = urlsplit(origin)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{parts.port or _DEFAULT_PORTS[parts.scheme]}"


def _host_authority(host: str, scheme: str) -> str:
    """The Host header as `host:port`, the port the scheme's default when not given."""
    host = host.strip().lower()
    if host.endswith("]") or ":" not in host:  # no port (an IPv6 literal ends with "]")
        return f"{host}:{_DEFAULT_PORTS[scheme]}"
    return host


def origin_allowed(origin: str | None, host: str | None, allowed: Collection[str]) -> bool:
    """May a handshake with this `Origin`, sent to this `Host`, open `/ws`?

    Same origin (the page came from the host it connects to) always may; others only if
    listed in `allowed` (normalised by `normal_origin`, as the config check does)."""
    if origin is None:
        return True  # not a browser
    normal = normal_origin(origin)
    if normal is None:
        return False  # "null" (a sandboxed frame, a file://), or garbage
    if normal in allowed:
        return True
    scheme = urlsplit(normal).scheme
    return host is not None and _authority(normal) == _host_authority(host, scheme)
