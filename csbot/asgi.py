"""The ASGI entry point: HTTP to Django, WebSockets to the chat and agent consumers."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csbot.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from csbot import api_http, forwarded, gcpolicy, workers  # noqa: E402
from csbot.routing import websocket_routes  # noqa: E402

# The customer API has a lean stack of its own (`api_http`); static files are
# answered by servestatic's middleware at the top of the site's stack.
# Forwarded addresses are read in front of everything, and only from the
# configured proxies.
application = forwarded.TrustedProxies(ProtocolTypeRouter({
    "http": api_http.route(api_http.ApiHandler(), django_asgi_app),
    "websocket": URLRouter(websocket_routes()),
    # Servers that speak ASGI lifespan start the workers here; `python -m
    # csbot.serve` starts them when its reactor runs (daphne has no lifespan).
    "lifespan": workers.Lifespan(),
}))

# Last, so that everything loaded at start (the workers' modules included,
# which would otherwise load with the first task) is frozen out of later collections.
workers.load()
gcpolicy.apply(freeze=settings.CSBOT_GC_FREEZE, thresholds=settings.CSBOT_GC_THRESHOLDS)
