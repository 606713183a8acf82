"""csbot's Redis layer: subscribes batched by one owner per connection, publishes pipelined, Redis restarts survived."""

import asyncio
import contextlib
import uuid

import pytest
import redis.asyncio as aioredis
from django.conf import settings

from csbot.channel_layer import ChannelLayer
from tests.support import services

SOCKETS = 300


@pytest.fixture
def redis_url():
    return services.redis_url()


@contextlib.asynccontextmanager
async def layer_on(hosts):
    """A layer of its own (a fresh prefix) on these hosts, flushed afterwards."""
    layer = ChannelLayer(hosts=hosts, prefix=f"t{uuid.uuid4().hex[:8]}")
    try:
        yield layer
    finally:
        await layer.flush()


@contextlib.asynccontextmanager
async def plain_client(url):
    """A plain Redis client, to look at what the layer did."""
    client = aioredis.from_url(url)
    try:
        yield client
    finally:
        await client.aclose()


def test_production_settings_name_this_layer():
    import os
    import subprocess
    import sys

    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0", "DJANGO_SETTINGS_MODULE": "csbot.settings"}
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.CHANNEL_LAYERS['default']['BACKEND'])"],
        env=env, capture_output=True, text=True, check=True, cwd=settings.BASE_DIR,
    )
    assert out.stdout.strip() == "csbot.channel_layer.ChannelLayer"


async def command_calls(client, name):
    stats = await client.info("commandstats")
    return stats.get(f"cmdstat_{name}", {}).get("calls", 0)


async def test_many_sockets_connecting_at_once_subscribe_in_a_few_commands_and_all_receive(redis_url):
    async with layer_on([redis_url]) as layer, plain_client(redis_url) as client:
        before = await command_calls(client, "subscribe")
        # What 300 sockets do at connect: a channel of their own, then their customer's group.
        channels = await asyncio.gather(*(layer.new_channel() for _ in range(SOCKETS)))
        await asyncio.gather(*(layer.group_add(f"customer.{n}", channel) for n, channel in enumerate(channels)))
        sent = await command_calls(client, "subscribe") - before
        assert sent <= 10, f"{sent} SUBSCRIBE commands for {2 * SOCKETS} channels"
        await layer.group_send("customer.7", {"type": "chat.event", "n": 7})
        await layer.send(channels[250], {"type": "chat.event", "n": 250})
        assert (await asyncio.wait_for(layer.receive(channels[7]), 5))["n"] == 7
        assert (await asyncio.wait_for(layer.receive(channels[250]), 5))["n"] == 250


async def test_subscribe_and_unsubscribe_of_one_channel_apply_in_the_order_asked(redis_url):
    async with layer_on([redis_url]) as layer, plain_client(redis_url) as client:
        channel = await layer.new_channel()
        group_channel = layer._get_layer()._get_group_channel_name("g")
        # Queued in one turn: add, discard, add, discard, add. The last one wins.
        await asyncio.gather(*(
            (layer.group_add if n % 2 == 0 else layer.group_discard)("g", channel) for n in range(5)
        ))
        assert (await client.pubsub_numsub(group_channel))[0][1] == 1
        await asyncio.gather(layer.group_discard("g", channel), layer.group_add("g", channel), layer.group_discard("g", channel))
        assert (await client.pubsub_numsub(group_channel))[0][1] == 0
        # An unsubscribe of nothing must not become a bare UNSUBSCRIBE, which drops every channel.
        await layer._get_layer()._shards[0].unsubscribe("never-subscribed")
        await layer.send(channel, {"type": "chat.event", "still": "here"})
        assert (await asyncio.wait_for(layer.receive(channel), 5))["still"] == "here"


async def test_a_failed_command_reaches_every_caller_of_its_batch(redis_url, monkeypatch):
    layer = ChannelLayer(hosts=[redis_url], prefix=f"t{uuid.uuid4().hex[:8]}")
    try:
        await layer.new_channel()  # connected

        async def broken(*channels):
            raise ConnectionError("redis went away")

        shard = layer._get_layer()._shards[0]
        monkeypatch.setattr(shard._pubsub, "subscribe", broken)
        results = await asyncio.gather(*(layer.new_channel() for _ in range(3)), return_exceptions=True)
        assert [type(r) for r in results] == [ConnectionError] * 3
    finally:
        monkeypatch.undo()
        await layer.flush()


async def test_group_send_many_arrives_in_order_in_one_round_trip_per_shard(redis_url):
    async with layer_on([redis_url]) as layer:
        channel = await layer.new_channel()
        await layer.group_add("conv.1", channel)
        await layer.group_add("conv.2", channel)
        await layer.group_send_many([(f"conv.{1 + n % 2}", {"type": "chat.event", "n": n}) for n in range(20)])
        received = [(await asyncio.wait_for(layer.receive(channel), 5))["n"] for _ in range(20)]
        assert received == list(range(20))


async def test_drop_channel_unsubscribes_a_channel_nobody_receives_on(redis_url):
    async with layer_on([redis_url]) as layer, plain_client(redis_url) as client:
        channel = await layer.new_channel()
        assert channel in layer.own_channels()
        assert (await client.pubsub_numsub(channel))[0][1] == 1
        await layer.drop_channel(channel)
        assert channel not in layer.own_channels()
        assert (await client.pubsub_numsub(channel))[0][1] == 0
        await layer.drop_channel(channel)  # twice: nothing left to do


async def test_a_redis_restart_under_subscribes_leaves_one_reader_and_every_channel_subscribed(private_redis, caplog):
    """Subscribes racing the reconnect once failed with "read() called while another coroutine is already waiting"."""
    async with layer_on([private_redis.url]) as layer:
        before = await asyncio.gather(*(layer.new_channel() for _ in range(20)))
        private_redis.stop()
        private_redis.start()
        # Subscribes while the owner reconnects: some fail with the outage, none may break the connection.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while True:
            results = await asyncio.gather(*(layer.new_channel() for _ in range(20)), return_exceptions=True)
            after = [r for r in results if isinstance(r, str)]
            if len(after) == len(results):
                break
            assert loop.time() < deadline, results
            await asyncio.sleep(0.2)
        for channel in (before[3], after[5]):
            # One receive throughout: a cancelled receive would unsubscribe its channel.
            receiving = asyncio.ensure_future(layer.receive(channel))
            for _ in range(20):  # the old channels come back once the owner has resubscribed them
                await layer.send(channel, {"type": "chat.event", "to": channel})
                if (await asyncio.wait({receiving}, timeout=0.5))[0]:
                    break
            assert receiving.done() and receiving.result()["to"] == channel
        assert "already waiting" not in caplog.text
        assert "Traceback" not in caplog.text


async def test_a_socket_leaving_during_an_outage_logs_no_traceback_and_stays_unsubscribed(private_redis, caplog):
    """channels_redis logs "Unexpected exception while cleaning-up channel" with a traceback for each one."""
    layer = ChannelLayer(hosts=[private_redis.url], prefix=f"t{uuid.uuid4().hex[:8]}")
    client = None
    try:
        channel = await layer.new_channel()
        receiving = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(0.2)
        private_redis.stop()
        receiving.cancel()  # the socket closes while Redis is away: its channel is unsubscribed
        await asyncio.gather(receiving, return_exceptions=True)
        private_redis.start()
        client = aioredis.from_url(private_redis.url)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        # The owner reconnects (a new channel proves it), and the dropped channel is not subscribed again.
        while True:
            try:
                await asyncio.wait_for(layer.new_channel(), 2)
                break
            except Exception:
                assert loop.time() < deadline
                await asyncio.sleep(0.2)
        await asyncio.sleep(1)
        subscribed = {name.decode() for name in await client.pubsub_channels()}
        assert channel not in subscribed
        assert "Traceback" not in caplog.text
        assert not [r for r in caplog.records if r.levelname == "ERROR" or r.exc_info]
    finally:
        await layer.flush()
        if client is not None:
            await client.aclose()


async def test_a_burst_of_publishes_beyond_the_pool_waits_its_turn_instead_of_failing(redis_url):
    from channels_redis.utils import create_pool
    from redis.exceptions import MaxConnectionsError

    burst = 60
    # channels_redis's own pool fails such a burst at once: the lost wake-ups this layer avoids.
    stock = aioredis.Redis(connection_pool=create_pool({"address": redis_url, "max_connections": 3}))
    try:
        results = await asyncio.gather(*(stock.publish("nobody", b"x") for _ in range(burst)), return_exceptions=True)
        assert any(isinstance(r, MaxConnectionsError) for r in results)
    finally:
        await stock.aclose()
    async with layer_on([{"address": redis_url, "max_connections": 3}]) as layer:
        channel = await layer.new_channel()
        await asyncio.gather(*(layer.send(channel, {"type": "chat.event", "n": n}) for n in range(burst)))
        got = {(await asyncio.wait_for(layer.receive(channel), 5))["n"] for _ in range(burst)}
        assert got == set(range(burst))


async def test_a_publish_that_finds_no_free_connection_in_time_fails_with_a_connection_error(redis_url):
    from redis.exceptions import ConnectionError as RedisConnectionError

    async with layer_on([{"address": redis_url, "max_connections": 1, "pool_wait_s": 0.2}]) as layer:
        channel = await layer.new_channel()  # the one connection now carries the subscription
        with pytest.raises(RedisConnectionError):
            await layer.send(channel, {"type": "chat.event"})
