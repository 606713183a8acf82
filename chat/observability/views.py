"""The /metrics endpoint, closed to everyone but listed networks and token holders."""

import threading

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from .access import address_allowed, parse_networks, token_matches
from .collectors import QueueCollector

_registered = False
_lock = threading.Lock()


def ensure_collectors():
    """Register the scrape-time collectors once per process."""
    global _registered
    with _lock:  # sync views run on several threads; a second register would raise
        if not _registered:
            REGISTRY.register(QueueCollector())
            _registered = True


def allowed(request):
    if token_matches(request.headers.get("Authorization", ""), settings.CSBOT_METRICS_TOKEN):
        return True
    return address_allowed(request.META.get("REMOTE_ADDR"), parse_networks(settings.CSBOT_METRICS_ALLOW))


def metrics(request):
    """Serve this process's metrics in the Prometheus text format, or 403."""
    if not allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    ensure_collectors()
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)


async def readyz(request):
    """Answer 200 once this process may take traffic, 503 with the part that is not ready before."""
    from .readiness import readiness

    parts = await readiness.checks()
    ready = all(state == "ok" for state in parts.values())
    return JsonResponse({"ready": ready, **parts}, status=200 if ready else 503)
