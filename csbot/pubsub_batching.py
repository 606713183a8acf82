"""Subscribes and unsubscribes of the Redis pub/sub channel layer, sent in batches.

channels_redis (4.3, pinned) sends each SUBSCRIBE and UNSUBSCRIBE under its
shard's asyncio lock, and an asyncio lock with waiters is handed to the next
one only on the next turn of the event loop. A loaded loop turns every 10-25
ms, so a process could subscribe 40-100 channels a second, and every socket
needs two at connect (its own channel and its customer's group) and two at
close. Timed during a 1,000-user ramp: subscribes waited up to 15 s for the
lock, daphne dropped the handshakes that waited more than 5 s, the clients
reconnected and made the queue longer.

Here every (un)subscribe joins a queue, and one task per shard sends what
queued during a turn as one SUBSCRIBE or UNSUBSCRIBE with many channels,
under the same lock, in the order they were asked. Each caller still returns
only once its command was sent, and gets its error if sending failed.
"""

import asyncio

from channels_redis.pubsub import RedisSingleShardConnection

_installed = False


def install():
    """Replace the shard's subscribe and unsubscribe with the batched ones (once per process)."""
    global _installed
    if _installed:
        return
    RedisSingleShardConnection.subscribe = subscribe
    RedisSingleShardConnection.unsubscribe = unsubscribe
    _installed = True


async def subscribe(shard, channel):
    await _queue(shard, True, channel)


async def unsubscribe(shard, channel):
    await _queue(shard, False, channel)


def _queue(shard, subscribing, channel):
    state = shard.__dict__.setdefault("_batched", {"pending": [], "task": None})
    future = asyncio.get_running_loop().create_future()
    state["pending"].append((subscribing, channel, future))
    if state["task"] is None or state["task"].done():
        state["task"] = asyncio.ensure_future(_send_pending(shard, state))
    return future


async def _send_pending(shard, state):
    while state["pending"]:
        batch, state["pending"] = state["pending"], []
        async with shard._lock:
            for subscribing, entries in _runs(batch):
                # A caller cancelled while queued no longer wants it, as under channels_redis's lock.
                entries = [(channel, future) for channel, future in entries if not future.cancelled()]
                try:
                    await _send(shard, subscribing, [channel for channel, _ in entries])
                except Exception as exc:
                    for _, future in entries:
                        if not future.done():
                            future.set_exception(exc)
                else:
                    for _, future in entries:
                        if not future.done():
                            future.set_result(None)


def _runs(batch):
    """Split the batch into runs of the same operation, keeping the order between runs."""
    runs = []
    for subscribing, channel, future in batch:
        if not runs or runs[-1][0] != subscribing:
            runs.append((subscribing, []))
        runs[-1][1].append((channel, future))
    return runs


async def _send(shard, subscribing, channels):
    """One command for the channels whose state changes; the shard's bookkeeping as channels_redis keeps it."""
    changing = list(dict.fromkeys(c for c in channels if (c in shard._subscribed_to) != subscribing))
    if not changing:  # an empty UNSUBSCRIBE would drop every subscription
        return
    shard._ensure_redis()
    shard._ensure_receiver()
    if subscribing:
        await shard._pubsub.subscribe(*changing)
        shard._subscribed_to.update(changing)
    else:
        await shard._pubsub.unsubscribe(*changing)
        shard._subscribed_to.difference_update(changing)
