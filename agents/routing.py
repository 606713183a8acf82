"""The agent socket's route: same-origin only, signed in through the Django session."""

from urllib.parse import urlsplit

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.urls import path

from .consumers import AgentConsumer

DEFAULT_PORTS = {"http": 80, "https": 443}
DEBUG_HOSTS = [".localhost", "127.0.0.1", "[::1]"]


def origin_key(url):
    """Return (scheme, host, port) of an origin URL, or None when it is not an http(s) origin."""
    try:
        parts = urlsplit(url.strip().lower())
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
        return None
    return parts.scheme, parts.hostname, port


def own_origin(scope):
    """Return the (scheme, host, port) the socket was opened on, from its Host header and scheme; None if the host is not allowed."""
    host = next((value.decode("latin-1") for name, value in scope.get("headers", []) if name == b"host"), "")
    domain, _ = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS or (DEBUG_HOSTS if settings.DEBUG else [])
    if not domain or not validate_host(domain, allowed):
        return None
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    return origin_key(f"{scheme}://{host}")


def origin_allowed(scope):
    """True when Origin equals the socket's own origin (scheme, host and port) or one of CSRF_TRUSTED_ORIGINS.

    ALLOWED_HOSTS only says which Host headers the site answers; a page on any
    other site can open a socket here with the agent's cookie, so the page's
    origin itself must be this site's.
    """
    origins = [value.decode("latin-1") for name, value in scope.get("headers", []) if name == b"origin"]
    if len(origins) != 1:
        return False
    origin = origin_key(origins[0])
    if origin is None:
        return False
    trusted = {origin_key(item) for item in settings.CSRF_TRUSTED_ORIGINS if "*" not in item}
    return origin == own_origin(scope) or origin in trusted


class SameOrigin:
    """Refuse the handshake (HTTP 403) unless `origin_allowed`, read per connection."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if origin_allowed(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


websocket_urlpatterns = [path("ws/agent/", SameOrigin(AuthMiddlewareStack(AgentConsumer.as_asgi())))]
