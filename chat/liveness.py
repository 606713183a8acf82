"""One task per process watches every socket: heartbeats and lost wake-ups.

A timer per socket would cost memory at ten thousand sockets; one sweep over
a dict costs a few microseconds per socket.
"""

import asyncio
import logging
import time
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

from . import presence
from .sync import conversation_heads
from .takeover import current_claims

log = logging.getLogger(__name__)

_sockets: dict[str, Any] = {}
_task = None
CHUNK = 500


def register(consumer):
    """Watch a socket until `unregister`."""
    global _task
    _sockets[consumer.channel_name] = consumer
    if _task is None or _task.done():
        _task = asyncio.get_running_loop().create_task(_watch())


def unregister(consumer):
    _sockets.pop(getattr(consumer, "channel_name", None), None)


def count():
    return len(_sockets)


async def _watch():
    last_reconcile = time.monotonic()
    while _sockets:
        await asyncio.sleep(1)
        now = time.monotonic()
        limit = 3 * settings.CSBOT_HEARTBEAT_S
        for consumer in [c for c in _sockets.values() if now - c.last_rx > limit]:
            unregister(consumer)
            await safely(consumer.heartbeat_timeout())
        if now - last_reconcile >= settings.CSBOT_RECONCILE_S:
            last_reconcile = now
            await safely(reconcile())
            await safely(presence.online(_present()))


async def safely(coro):
    """Await a side task, logging instead of raising when it fails."""
    try:
        await coro
    except (ConnectionError, OSError, TimeoutError) as exc:
        # Redis or the database away for a moment: the next pass retries; no traceback for a known outage.
        log.warning("socket watcher step failed: %s", type(exc).__name__)
    except Exception as exc:
        if type(exc).__module__.startswith("redis"):  # redis-py's ConnectionError is not the builtin one
            log.warning("socket watcher step failed: %s", type(exc).__name__)
            return
        log.exception("socket watcher step failed")


async def reconcile():
    """Compare each socket with the database: repair what a lost wake-up left out, close replaced sockets."""
    watched = [c for c in _sockets.values() if c.conversation_id is not None and c.synced]
    for start in range(0, len(watched), CHUNK):
        chunk = watched[start : start + CHUNK]
        heads = await database_sync_to_async(conversation_heads)({c.conversation_id for c in chunk})
        claims = await database_sync_to_async(current_claims)(_devices(chunk))
        for consumer in chunk:
            await safely(consumer.check_claim(claims.get(_device(consumer))))
            head = heads.get(consumer.conversation_id)
            if head is not None and not consumer.closing:
                await safely(consumer.reconcile(*head))


def _present():
    return [(c.session.customer_id, c.channel_name) for c in _sockets.values() if not c.closing]


def _device(consumer):
    return consumer.session.customer_id, consumer.session.device_id


def _devices(consumers):
    return {_device(c) for c in consumers}
