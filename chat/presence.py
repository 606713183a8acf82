"""Whether a customer has a socket open on any instance, for notifications.

Each socket is a member of its customer's sorted set, scored by when its
entry lapses; every instance renews its sockets' entries from the socket
watcher, so a killed instance's sockets drop out within `ttl()` seconds.
Without Redis (one embedded process) the process's own sockets are the truth.
"""

import time

from django.conf import settings

from . import shared_redis

_local: dict[str, int] = {}  # channel name -> customer id, for the embedded setup


def ttl():
    return 3 * max(settings.CSBOT_RECONCILE_S, settings.CSBOT_HEARTBEAT_S)


def _key(customer_id):
    return f"{shared_redis.prefix()}:presence:{customer_id}"


async def online(pairs):
    """Record sockets as open: pairs of (customer_id, channel_name)."""
    pairs = list(pairs)
    for customer_id, channel in pairs:
        _local[channel] = customer_id
    if not pairs or not shared_redis.enabled():
        return
    lapse = time.time() + ttl()
    async with shared_redis.client().pipeline(transaction=False) as pipe:
        for customer_id, channel in pairs:
            pipe.zadd(_key(customer_id), {channel: lapse})
            pipe.expire(_key(customer_id), int(ttl()) + 1)
        await pipe.execute()


async def offline(customer_id, channel):
    """Record that a socket closed."""
    _local.pop(channel, None)
    if shared_redis.enabled():
        await shared_redis.client().zrem(_key(customer_id), channel)


async def is_online(customer_id):
    """Return whether the customer has a socket open anywhere."""
    if not shared_redis.enabled():
        return customer_id in _local.values()
    return await shared_redis.client().zcount(_key(customer_id), time.time(), "+inf") > 0
