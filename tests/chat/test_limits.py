"""Rate limits kept per customer, address and sign-in, not per socket: reconnecting or switching instance resets nothing."""

import json
import uuid

import httpx
import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.test import Client as PageClient

from chat import limits
from chat.models import Message
from tests.chat.helpers import Socket, make_customer
from tests.chat.test_longpoll import Client
from tests.support import services
from tests.support.servers import Daphne, Database

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tight(settings):
    settings.CSBOT_RATE_LIMIT_BURST = 5
    settings.CSBOT_RATE_LIMIT_PER_S = 0.01
    return settings


def post(client, client_msg_id, **extra):
    return client.post("/api/chat/messages", data=json.dumps({"client_msg_id": client_msg_id, "text": "hi"}),
                       content_type="application/json", **extra)


async def connected(token):
    socket = Socket(token)
    await socket.open()
    await socket.hello()
    return socket


async def test_reconnecting_does_not_refill_the_socket_bucket(tight):
    _, token = await sync_to_async(make_customer)()
    socket = await connected(token)  # 1 token for the connect
    for n in range(3):
        await socket.send({"type": "message", "client_msg_id": f"m{n}", "text": "hi"})
        await socket.expect("ack")  # 3 tokens
    await socket.close()
    again = await connected(token)  # the fifth and last
    await again.send({"type": "message", "client_msg_id": "m9", "text": "hi"})
    assert (await again.expect("error"))["code"] == "rate_limited"
    assert await again.recv() == {"type": "__closed__", "code": 4429}
    assert await sync_to_async(Message.objects.count)() == 3


async def test_http_messages_draw_on_the_same_bucket_as_the_socket(tight):
    _, token = await sync_to_async(make_customer)()
    socket = await connected(token)
    for n in range(2):
        await socket.send({"type": "message", "client_msg_id": f"s{n}", "text": "hi"})
        await socket.expect("ack")
    client = Client(token)
    assert [(await post(client, f"h{n}")).status_code for n in range(3)] == [200, 200, 429]
    refused = await post(client, "h9")
    assert refused.json() == {"error": "rate_limited", "message": "too many messages; try again shortly"}
    assert refused["Retry-After"] == "1"
    assert await sync_to_async(Message.objects.count)() == 4
    await socket.close()


async def test_one_address_is_limited_across_customers(settings):
    settings.CSBOT_IP_RATE_LIMIT_BURST = 3
    settings.CSBOT_IP_RATE_LIMIT_PER_S = 0.01
    statuses = []
    for n in range(4):
        _, token = await sync_to_async(make_customer)(openid=f"o-{n}")
        statuses.append((await post(Client(token), f"m{n}")).status_code)
    assert statuses == [200, 200, 200, 429]
    assert await limits.address_may_send("198.51.100.2")  # another address has its own bucket


def sign_in(address, password):
    client = PageClient(REMOTE_ADDR=address)
    response = client.post("/admin/login/?next=/admin/", {"username": "alice", "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


def admin_login_is_throttled(settings):
    settings.CSBOT_LOGIN_MAX_FAILURES = 3
    User.objects.create_user("alice", password="right-password-1", is_staff=True)
    assert sign_in("203.0.113.1", "right-password-1")
    for _ in range(3):
        assert not sign_in("203.0.113.1", "guess")
    # Locked for this username at this address, even with the right password; not elsewhere.
    assert not sign_in("203.0.113.1", "right-password-1")
    page = PageClient(REMOTE_ADDR="203.0.113.1").post("/admin/login/", {"username": "Alice", "password": "x"})
    assert "Too many failed sign-ins" in page.content.decode()
    assert sign_in("203.0.113.2", "right-password-1")


def test_admin_login_is_throttled_per_username_and_address(settings):
    admin_login_is_throttled(settings)


@pytest.mark.redis
def test_admin_login_failures_are_counted_in_redis(settings):
    settings.REDIS_URL = services.redis_url()
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "csbot.channel_layer.ChannelLayer"}}
    settings.CSBOT_CHANNEL_PREFIX = f"t-{uuid.uuid4().hex[:8]}"
    assert limits.shared()
    admin_login_is_throttled(settings)
    limits.reset_local()  # what a restarted process would have: nothing local
    assert not sign_in("203.0.113.1", "right-password-1")


@pytest.mark.e2e
@pytest.mark.redis
def test_the_customer_bucket_is_shared_by_instances():
    redis_url = services.redis_url()
    database = Database("sqlite")
    env = {"CSBOT_RATE_LIMIT_BURST": 4, "CSBOT_RATE_LIMIT_PER_S": 0.01}
    a = Daphne(database, redis_url=redis_url, name="a", **env)
    b = Daphne(database, redis_url=redis_url, name="b", **env)
    try:
        token = httpx.post(f"{a.http}/api/auth/dev-login", json={"openid": "limited", "device_id": "d", "platform": "web"},
                           timeout=10).json()["token"]
        statuses = [
            httpx.post(f"{server.http}/api/chat/messages", json={"client_msg_id": f"m{n}", "text": "hi"},
                       headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code
            for n, server in enumerate([a, b, a, b, a, b])
        ]
    finally:
        a.kill()
        b.kill()
        database.drop()
    assert statuses == [200, 200, 200, 200, 429, 429]


@pytest.mark.redis
async def test_draws_share_a_pipeline_survive_a_script_flush_and_let_through_when_redis_is_gone(settings, private_redis):
    import redis as redis_sync

    from chat import metrics

    settings.REDIS_URL = private_redis.url
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "csbot.channel_layer.ChannelLayer"}}
    settings.CSBOT_CHANNEL_PREFIX = f"t-{uuid.uuid4().hex[:8]}"
    import asyncio

    draws = await asyncio.gather(*(limits.take("c", 1, rate=0.001, burst=5) for _ in range(8)))
    assert draws == [True] * 5 + [False] * 3
    redis_sync.Redis.from_url(private_redis.url).script_flush()  # as after a Redis restart
    assert await limits.take("c", 2, rate=0.001, burst=5) is True
    private_redis.stop()
    before = metrics.rate_limit_store_errors._value.get()
    assert await limits.take("c", 1, rate=0.001, burst=5) is True  # chatting goes on without Redis
    assert metrics.rate_limit_store_errors._value.get() == before + 1
