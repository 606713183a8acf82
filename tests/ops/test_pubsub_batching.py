"""The Redis layer's subscribes and unsubscribes, batched: same results, far fewer commands, no lock queue."""

import asyncio
import uuid

import pytest
import redis.asyncio as aioredis
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisSingleShardConnection

from csbot import pubsub_batching
from tests.support import services

SOCKETS = 300


@pytest.fixture
def redis_url():
    return services.redis_url()


def test_installed_with_the_app():
    assert RedisSingleShardConnection.subscribe is pubsub_batching.subscribe
    assert RedisSingleShardConnection.unsubscribe is pubsub_batching.unsubscribe


async def command_calls(client, name):
    stats = await client.info("commandstats")
    return stats.get(f"cmdstat_{name}", {}).get("calls", 0)


async def test_many_sockets_connecting_at_once_subscribe_in_a_few_commands_and_all_receive(redis_url):
    layer = RedisPubSubChannelLayer(hosts=[redis_url], prefix=f"t{uuid.uuid4().hex[:8]}")
    client = aioredis.from_url(redis_url)
    try:
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
    finally:
        await layer.flush()
        await client.aclose()


async def test_subscribe_and_unsubscribe_of_one_channel_apply_in_the_order_asked(redis_url):
    layer = RedisPubSubChannelLayer(hosts=[redis_url], prefix=f"t{uuid.uuid4().hex[:8]}")
    client = aioredis.from_url(redis_url)
    try:
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
    finally:
        await layer.flush()
        await client.aclose()


async def test_a_failed_command_reaches_every_caller_of_its_batch(redis_url, monkeypatch):
    layer = RedisPubSubChannelLayer(hosts=[redis_url], prefix=f"t{uuid.uuid4().hex[:8]}")
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
