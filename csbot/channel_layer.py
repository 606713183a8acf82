"""The Redis pub/sub channel layer with batched subscribes and pipelined publishes (CHANNEL_LAYERS BACKEND).

channels_redis (4.3) sends each SUBSCRIBE and UNSUBSCRIBE under its shard's
asyncio lock, and an asyncio lock with waiters is handed to the next one only
on the next turn of the event loop. A loaded loop turns every 10-25 ms, so a
process could subscribe 40-100 channels a second, and every socket needs two
at connect (its own channel and its customer's group) and two at close.
Timed during a 1,000-user ramp: subscribes waited up to 15 s for the lock,
daphne dropped the handshakes that waited more than 5 s, the clients
reconnected and made the queue longer. Its publishes took the same lock, so
every subscribe also queued behind every publish (connects took 300 ms each
at 45/s).

Here each shard's pub/sub connection has one owner: the shard's receive task.
Subscribes and unsubscribes join a queue; the owner sends what queued since
its last read as one SUBSCRIBE or UNSUBSCRIBE with many channels, in the order
they were asked, then reads again. Each caller returns once its command was
sent, and gets the error if sending failed. Since only the owner reads or
writes that connection, a reconnect (Redis restarted) cannot run beside
another read: channels_redis's receive task and a subscribe could both
reconnect and both read ("read() called while another coroutine is already
waiting"). Publishes go over the client's connection pool without any lock,
and `group_send_many` sends many in one pipeline per shard.
"""

import asyncio
import contextlib
import logging

import redis.asyncio as aioredis
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer, RedisSingleShardConnection
from channels_redis.utils import _wrap_close, create_pool, decode_hosts

from csbot.versions import require

require("channels-redis", "4.3", __name__)

log = logging.getLogger(__name__)

# How long the owner waits for a message before it sends queued subscribes.
# A read cannot be interrupted safely, so this bounds a subscribe's wait on
# a quiet connection; on a busy one every message ends the wait sooner.
READ_WAIT_S = 0.02
# How long the owner sleeps with nothing subscribed and nothing asked.
IDLE_S = 1.0
RETRY_S = 1.0
# How long a publish waits for one of the pool's connections when all are busy.
POOL_WAIT_S = 5.0


class Shard(RedisSingleShardConnection):
    """One Redis host's connections: a pub/sub connection owned by one task, and a pool for publishing."""

    def __init__(self, host, channel_layer):
        super().__init__(host, channel_layer)
        self._asked = []  # (subscribing, channel, future), in the order asked
        self._wake = asyncio.Event()

    def _ensure_redis(self):
        """As channels_redis does, on a pool where a publish waits for a free connection.

        channels_redis's pool fails a command at once (MaxConnectionsError) when
        all of its connections are busy. Thousands of sockets closing at once
        (the end of a load run, a deploy) publish more at once than the pool
        holds, and each failed publish was a lost wake-up and a warning per
        socket. Here the burst waits its turn, for at most `pool_wait_s`.
        """
        if self._redis is None:
            host = dict(self.host)
            wait = host.pop("pool_wait_s", POOL_WAIT_S)
            if "address" in host:
                pool = aioredis.BlockingConnectionPool.from_url(host.pop("address"), timeout=wait, **host)
            else:  # sentinels and the like: channels_redis's own pool
                pool = create_pool(host)
            self._redis = aioredis.Redis(connection_pool=pool)
            self._pubsub = self._redis.pubsub()

    async def publish(self, channel, message):
        """PUBLISH on the pool; no lock, so subscribes never wait behind publishes."""
        self._ensure_redis()
        await self._redis.publish(channel, message)

    async def publish_many(self, pairs):
        """PUBLISH every (channel, data) pair in one round trip, in order."""
        self._ensure_redis()
        async with self._redis.pipeline(transaction=False) as pipe:
            for channel, data in pairs:
                pipe.publish(channel, data)
            await pipe.execute()

    async def subscribe(self, channel):
        """Return once the receive task has sent the SUBSCRIBE that includes `channel`."""
        await self._ask(True, channel)

    async def unsubscribe(self, channel):
        """Return once the receive task has sent the UNSUBSCRIBE that includes `channel`."""
        await self._ask(False, channel)

    def _ask(self, subscribing, channel):
        future = asyncio.get_running_loop().create_future()
        self._asked.append((subscribing, channel, future))
        self._ensure_redis()
        self._ensure_receiver()
        self._wake.set()
        return future

    async def flush(self):
        """Close the connections; callers still waiting on a (un)subscribe get CancelledError."""
        asked, self._asked = self._asked, []
        for _, _, future in asked:
            future.cancel()
        await super().flush()

    async def _do_receiving(self):
        """Own the pub/sub connection: send what was asked, then read, until cancelled."""
        while True:
            try:
                if self._asked:
                    await self._send_asked()
                if self._pubsub is not None and self._pubsub.subscribed:
                    message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=READ_WAIT_S)
                    self._receive_message(message)
                else:
                    await self._idle()
            except (asyncio.CancelledError, GeneratorExit):
                raise
            except Exception as exc:  # Redis away: the next read reconnects and resubscribes every channel
                log.warning("channel layer connection lost, retrying: %r", exc)
                await asyncio.sleep(RETRY_S)

    async def _idle(self):
        self._wake.clear()
        if not self._asked:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_S)

    async def _send_asked(self):
        asked, self._asked = self._asked, []
        for subscribing, entries in _runs(asked):
            # A caller cancelled while queued no longer wants it, as under channels_redis's lock.
            entries = [(channel, future) for channel, future in entries if not future.cancelled()]
            try:
                await self._send(subscribing, [channel for channel, _ in entries])
            except Exception as exc:
                if not subscribing:
                    # Redis away. The leaving socket has nothing to undo, so it is not told
                    # of a failure (channels_redis logs a traceback for each socket closed
                    # during an outage); the UNSUBSCRIBE is asked again for after the
                    # reconnect, which would otherwise renew the subscription.
                    loop = asyncio.get_running_loop()
                    self._asked.extend((False, channel, loop.create_future()) for channel, _ in entries)
                    log.warning("channel layer unsubscribe failed, asked again after the reconnect: %r", exc)
                    exc = None
                for _, future in entries:
                    if not future.done():
                        if exc is None:
                            future.set_result(None)
                        else:
                            future.set_exception(exc)
            else:
                for _, future in entries:
                    if not future.done():
                        future.set_result(None)

    async def _send(self, subscribing, channels):
        """One command for the channels whose state changes; the bookkeeping as channels_redis keeps it."""
        changing = list(dict.fromkeys(c for c in channels if (c in self._subscribed_to) != subscribing))
        if not changing:  # an empty UNSUBSCRIBE would drop every subscription
            return
        self._ensure_redis()
        if subscribing:
            await self._pubsub.subscribe(*changing)
            self._subscribed_to.update(changing)
        else:
            await self._pubsub.unsubscribe(*changing)
            self._subscribed_to.difference_update(changing)
            # redis-py forgets a channel only when Redis confirms the UNSUBSCRIBE, and
            # subscribes every channel it still knows again when it reconnects. Written
            # to a connection Redis was closing, the command is never confirmed, and the
            # reconnect would renew a subscription nobody receives on.
            encoder = self._pubsub.encoder
            for channel in changing:
                self._pubsub.channels.pop(encoder.decode(encoder.encode(channel)), None)


def _runs(asked):
    """Split what was asked into runs of the same operation, keeping the order between runs."""
    runs = []
    for subscribing, channel, future in asked:
        if not runs or runs[-1][0] != subscribing:
            runs.append((subscribing, []))
        runs[-1][1].append((channel, future))
    return runs


class LoopLayer(RedisPubSubLoopLayer):
    """channels_redis's per-event-loop layer, on `Shard`s."""

    def __init__(self, hosts=None, *args, **kwargs):
        super().__init__(hosts, *args, **kwargs)
        self._shards = [Shard(host, self) for host in decode_hosts(hosts)]

    async def drop_channel(self, channel):
        """Forget a channel of this process and unsubscribe it (channels has no call for this)."""
        if self.channels.pop(channel, None) is not None:
            await self._get_shard(channel).unsubscribe(channel)

    async def group_send_many(self, items):
        """Publish (group, message) pairs in one pipeline per shard, with the layer's naming and serializer."""
        by_shard = {}
        for group, message in items:
            channel = self._get_group_channel_name(group)
            by_shard.setdefault(self._get_shard(channel), []).append((channel, self.channel_layer.serialize(message)))
        for shard, pairs in by_shard.items():
            await shard.publish_many(pairs)


class ChannelLayer(RedisPubSubChannelLayer):
    """The Redis pub/sub layer of channels_redis on `LoopLayer`, with the calls csbot/chat need beyond the spec."""

    def _get_layer(self):
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = self._layers[loop] = LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
        return layer

    async def group_send_many(self, items):
        """Send many group messages at once: one round trip per shard instead of one per message."""
        await self._get_layer().group_send_many(items)

    async def drop_channel(self, channel):
        """Drop a channel made by `new_channel` that no receive is waiting on."""
        await self._get_layer().drop_channel(channel)

    def own_channels(self):
        """The names of this process's channels on the running loop."""
        return set(self._get_layer().channels)
