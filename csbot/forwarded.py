"""Client address and scheme behind a proxy, believed only from the proxies listed in settings.

daphne's `--proxy-headers` takes the left-most `X-Forwarded-For` from any
peer, so anyone could claim to be 127.0.0.1 to /metrics or spread their
requests over made-up addresses past a per-IP limit. This wrapper rewrites
the ASGI scope instead: when the TCP peer is one of CSBOT_TRUSTED_PROXIES,
the client is the right-most address in `X-Forwarded-For` that is not a
proxy itself, and `X-Forwarded-Proto` sets the scheme. From any other peer
the forwarding headers are removed, so nothing downstream (Django's
SECURE_PROXY_SSL_HEADER included) can be fooled by them.
"""

import ipaddress

from django.conf import settings

from chat.observability.access import address_allowed, parse_networks

FORWARDING_HEADERS = frozenset({b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"x-real-ip", b"forwarded"})
SECURE = {"http": "https", "ws": "wss"}


def _address(text):
    """Return a normalised IP address string, or None when `text` is not one."""
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # an IPv4 address with a port
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_from(forwarded_for, proxies):
    """Return the right-most address of an X-Forwarded-For chain that is not a proxy, or None."""
    hops = [hop for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return None  # a malformed chain: believe nothing beyond the proxy
        if not address_allowed(address, proxies):
            return address
    return None


def rewrite(scope, proxies):
    """Return the scope with the client and scheme the trusted proxy reported, forwarding headers kept or removed."""
    peer = (scope.get("client") or (None, None))[0]
    headers = scope.get("headers") or []
    if not (proxies and peer and address_allowed(peer, proxies)):
        if any(name in FORWARDING_HEADERS for name, _ in headers):
            scope = {**scope, "headers": [(n, v) for n, v in headers if n not in FORWARDING_HEADERS]}
        return scope
    found = {}
    for name, value in headers:
        if name in (b"x-forwarded-for", b"x-forwarded-proto"):
            # Several headers of one name are one comma-separated list.
            found[name] = f"{found[name]},{value.decode('latin-1')}" if name in found else value.decode("latin-1")
    scope = dict(scope)
    client = client_from(found.get(b"x-forwarded-for", ""), proxies)
    if client:
        scope["client"] = (client, 0)
    proto = found.get(b"x-forwarded-proto", "").split(",")[-1].strip().lower()
    if proto == "https" and scope.get("scheme") in SECURE:
        scope["scheme"] = SECURE[scope["scheme"]]
    return scope


class TrustedProxies:
    """ASGI middleware applying `rewrite` to HTTP and WebSocket scopes."""

    def __init__(self, application):
        self.application = application
        self._networks = None

    @property
    def proxies(self):
        if self._networks is None:
            self._networks = parse_networks(settings.CSBOT_TRUSTED_PROXIES)
        return self._networks

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            scope = rewrite(scope, self.proxies)
        return await self.application(scope, receive, send)
