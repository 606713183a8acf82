"""The only module that names groups and sends on the channel layer.

The channel layer only wakes sockets up: every event it carries describes
something already committed to the database, so a lost wake-up is repaired
from the database by seq. Actions call `publish_on_commit`; what they publish
leaves only after their transaction commits.
"""

import asyncio
import logging
import threading
import weakref

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from . import events, metrics
from .presenters import typing_frame

log = logging.getLogger(__name__)

QUEUE_GROUP = "agents.queue"
# Every process's bot runner listens here for turns to claim.
BOT_TURNS_GROUP = "bot.turns"
# Nobody listens here: readiness publishes to it to prove the layer answers.
PROBE_GROUP = "health.probe"

_collector = threading.local()


def customer_group(customer_id):
    return f"customer.{customer_id}"


def conversation_group(conversation_id):
    return f"conv.{conversation_id}"


def publish_on_commit(group, message):
    """Send `message` to `group` once the current transaction commits."""
    transaction.on_commit(lambda: _dispatch([(group, message)]))


def _dispatch(items):
    collected = getattr(_collector, "items", None)
    if collected is not None:
        # An async caller publishes them itself, without blocking the ORM thread.
        collected.extend(items)
        return
    try:
        async_to_sync(publish_many)(items)
    except Exception as exc:  # The database has it; sockets repair from there.
        _failed(exc)


def collecting(fn):
    """Wrap a sync action so what it publishes is returned instead of sent."""

    def run(*args, **kwargs):
        _collector.items = []
        try:
            result = fn(*args, **kwargs)
            return result, _collector.items
        finally:
            _collector.items = None

    return run


async def publish_many(items):
    """Send (group, message) pairs; a failure is logged, never raised."""
    if not items:
        return
    layer = get_channel_layer()
    send_many = getattr(layer, "group_send_many", None)
    if send_many is not None:
        # csbot.channel_layer: one round trip per Redis shard for the whole batch.
        try:
            await send_many(items)
        except Exception as exc:
            _failed(exc)
        return
    results = await asyncio.gather(
        *(layer.group_send(group, message) for group, message in items), return_exceptions=True
    )
    for result in results:
        if isinstance(result, Exception):
            _failed(result)


def _failed(exc):
    log.error("channel layer publish failed: %r", exc)
    metrics.channel_layer_errors.inc()


_outboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict] = weakref.WeakKeyDictionary()


def publish_in_order(items):
    """Queue (group, message) pairs for a background task that sends them in order."""
    if not items:
        return
    loop = asyncio.get_running_loop()
    outbox = _outboxes.get(loop)
    if outbox is None:
        outbox = _outboxes[loop] = {"items": [], "task": None}
    outbox["items"].extend(items)
    if outbox["task"] is None or outbox["task"].done():
        outbox["task"] = loop.create_task(_drain(outbox))


async def _drain(outbox):
    while outbox["items"]:
        items, outbox["items"] = outbox["items"], []
        await publish_many(items)


async def probe():
    """Publish to a group nobody joins; raise when the channel layer cannot take it (readiness)."""
    await get_channel_layer().group_send(PROBE_GROUP, events.probe())


async def join(layer, group, channel_name):
    """Subscribe a consumer's channel to a group; return False (logged) when the layer is unavailable."""
    try:
        await layer.group_add(group, channel_name)
    except Exception as exc:
        log.warning("channel layer subscribe failed: %r", exc)
        metrics.channel_layer_errors.inc()
        return False
    return True


async def leave(layer, group, channel_name):
    """Unsubscribe from a group; a failure is logged, never raised (the subscription dies with the socket)."""
    try:
        await layer.group_discard(group, channel_name)
    except Exception as exc:
        log.warning("channel layer unsubscribe failed: %r", exc)
        metrics.channel_layer_errors.inc()


class LayerUnavailable(Exception):
    """The channel layer (Redis) could not be reached; the caller answers "try again later"."""


async def open_listener(layer, group):
    """Return a new channel of this process subscribed to `group`, or raise LayerUnavailable.

    For a request that waits on wake-ups (the long poll); `close_listener`
    undoes it. On failure nothing is left behind.
    """
    known = _own_channels(layer)
    channel = None
    try:
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        return channel
    except Exception as exc:
        log.warning("channel layer unavailable for a listener: %r", exc)
        metrics.channel_layer_errors.inc()
        # The pub/sub layer keeps a queue even for a channel whose subscribe
        # failed: without this, every poll during an outage would leave one.
        for name in _own_channels(layer) - known | {channel} - {None}:
            await close_listener(layer, group if name == channel else None, name)
        raise LayerUnavailable from exc


async def close_listener(layer, group, channel):
    """Leave `group` and drop the channel; a failure is logged, never raised.

    The pub/sub layer drops a channel itself only when a receive on it is
    cancelled: a poll answered at once, without waiting, would otherwise keep
    its queue and its Redis subscription for the life of the process.
    """
    if group is not None:
        await leave(layer, group, channel)
    if channel is None or not hasattr(layer, "drop_channel"):
        return
    try:
        await layer.drop_channel(channel)
    except Exception as exc:
        log.warning("channel layer unsubscribe failed: %r", exc)
        metrics.channel_layer_errors.inc()


def _own_channels(layer):
    """This process's channels that the layer keeps a queue for (none for layers that keep none)."""
    return layer.own_channels() if hasattr(layer, "own_channels") else set()


async def send_to_channel(channel_name, message):
    """Send one message to one consumer's own channel."""
    try:
        await get_channel_layer().send(channel_name, message)
    except Exception as exc:
        _failed(exc)


async def announce_connection(customer_id, device_id, channel_name, generation):
    """Tell the customer's other sockets, on any instance, that a device's socket `generation` took over.

    A wake-up only: the claim itself is in the database (`accounts.claim_device`),
    where every process checks it at reconcile, so a lost announcement delays
    the older socket's close by at most CSBOT_RECONCILE_S.
    """
    await publish_many(
        [(customer_group(customer_id),
          events.connected(device_id=device_id, channel=channel_name, generation=generation))]
    )


async def customer_typing(conversation_id):
    """Tell the agents watching a conversation that the customer is typing."""
    if conversation_id is not None:
        await publish_many(
            [(conversation_group(conversation_id),
              events.typing(conversation_id=conversation_id, frame=typing_frame("customer")))]
        )


async def bot_activity(customer_id, conversation_id, frame, *, agents=True):
    """Send a bot `typing` or `stream` frame, which is never stored, to the customer (and agents)."""
    message = events.of_frame(conversation_id=conversation_id, frame=frame)
    targets = [(customer_group(customer_id), message)]
    if agents:
        targets.append((conversation_group(conversation_id), message))
    await publish_many(targets)


def customer_blocked_on_commit(customer_id):
    """Once the block commits, tell the customer's sockets on every instance to close."""
    publish_on_commit(customer_group(customer_id), events.blocked(customer_id=customer_id))
