"""The agent socket's route: same-origin only, signed in through the Django session."""

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.urls import path

from .consumers import AgentConsumer


class SameOrigin:
    """Refuse the handshake (HTTP 403) unless Origin is one of ALLOWED_HOSTS, read per connection."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        hosts = settings.ALLOWED_HOSTS or (["localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])
        return await OriginValidator(self.application, hosts)(scope, receive, send)


websocket_urlpatterns = [path("ws/agent/", SameOrigin(AuthMiddlewareStack(AgentConsumer.as_asgi())))]
