"""The shared-state Redis client: a burst of commands beyond its pool waits for a connection instead of failing."""

import asyncio

import pytest
import redis.asyncio as aioredis
from redis.exceptions import MaxConnectionsError

from chat import presence, shared_redis
from tests.support import services

BURST = 300


@pytest.fixture
async def small_pool(settings):
    settings.REDIS_URL = services.redis_url()
    settings.CSBOT_REDIS_MAX_CONNECTIONS = 4
    settings.CSBOT_REDIS_POOL_WAIT_S = 5.0
    shared_redis._by_loop.pop(asyncio.get_running_loop(), None)
    yield
    shared_redis._by_loop.pop(asyncio.get_running_loop(), None)


async def test_sockets_closing_by_the_hundred_all_leave_the_presence_set(small_pool):
    # redis-py's own pool of that size fails such a burst at once.
    plain = aioredis.Redis.from_url(services.redis_url(), max_connections=4)
    try:
        results = await asyncio.gather(*(plain.ping() for _ in range(BURST)), return_exceptions=True)
        assert any(isinstance(r, MaxConnectionsError) for r in results)
    finally:
        await plain.aclose()

    pairs = [(10_000 + n, f"specific.burst{n}") for n in range(BURST)]
    await presence.online(pairs)
    assert all(await asyncio.gather(*(presence.is_online(customer) for customer, _ in pairs)))
    await asyncio.gather(*(presence.offline(customer, channel) for customer, channel in pairs))
    assert not any(await asyncio.gather(*(presence.is_online(customer) for customer, _ in pairs)))
    await shared_redis.client().aclose()
