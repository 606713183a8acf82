"""One plain Redis client per event loop for state the instances share (not the channel layer's)."""

import asyncio
import weakref
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    import redis.asyncio as aioredis

_by_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis]" = weakref.WeakKeyDictionary()


def enabled():
    return bool(settings.REDIS_URL)


def prefix():
    """The deployment's key prefix: the channel layer's, so two deployments on one Redis stay apart."""
    return settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("prefix", "csbot")


def client():
    """Return this event loop's client (redis-py's asyncio client binds to one loop)."""
    loop = asyncio.get_running_loop()
    found = _by_loop.get(loop)
    if found is None:
        import redis.asyncio as aioredis

        # A pool that makes a burst wait for a connection: redis-py's default fails any
        # command past its 100th at once, and sockets closing by the thousand each
        # take their customer off the presence set.
        pool = aioredis.BlockingConnectionPool.from_url(
            settings.REDIS_URL, max_connections=settings.CSBOT_REDIS_MAX_CONNECTIONS,
            timeout=settings.CSBOT_REDIS_POOL_WAIT_S,
        )
        found = _by_loop[loop] = aioredis.Redis(connection_pool=pool)
    return found
