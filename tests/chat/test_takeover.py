"""Which socket of a customer stays: the durable claim, checked on wake-ups and at reconcile."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers

from chat import events, liveness, realtime
from chat.protocol.errors import CloseCode
from chat.takeover import Claim, verdict

from .helpers import Socket, make_customer, token_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("claim, policy, expected", [
    (Claim("phone", 3), "single", None),
    (Claim("phone", 4), "single", CloseCode.REPLACED_ON_DEVICE),
    (Claim("laptop", 3), "single", CloseCode.REPLACED),
    (Claim("laptop", 4), "single", CloseCode.REPLACED_ON_DEVICE),
    (Claim("laptop", 3), "multi", None),
    (Claim("laptop", 4), "multi", CloseCode.REPLACED_ON_DEVICE),
    (None, "single", None),
])
def test_verdict_table(claim, policy, expected):
    assert verdict(claim, device_id="phone", generation=3, policy=policy) == expected


@pytest.fixture
def customer():
    return make_customer()[0]


@pytest.fixture
def lost_announcements(monkeypatch):
    """Every takeover announcement is lost in transit, as during a Redis resubscribe."""

    async def lost(*args, **kwargs):
        return None

    monkeypatch.setattr(realtime, "announce_connection", lost)


async def opened(customer, device_id):
    socket = Socket(token_for(customer, device_id), device_id=device_id)
    await socket.open()
    await socket.hello()
    return socket


async def test_lost_kick_still_closes_the_older_device_at_reconcile(customer, lost_announcements):
    phone = await opened(customer, "phone")
    laptop = await opened(customer, "laptop")
    await phone.nothing()
    await liveness.reconcile()
    assert await phone.recv() == {"type": "kick", "reason": "signed_in_elsewhere"}
    assert await phone.recv() == {"type": "__closed__", "code": 4409}
    await liveness.reconcile()
    await laptop.nothing()
    await laptop.close()


async def test_a_lost_block_notice_still_closes_the_socket_at_reconcile(customer, lost_announcements):
    from chat.models import Customer

    phone = await opened(customer, "phone")
    # Blocked with the notice lost (as when Redis is away): only the database knows.
    await database_sync_to_async(Customer.objects.filter(pk=customer.pk).update)(blocked=True)
    await phone.nothing()
    await liveness.reconcile()
    assert await phone.recv() == {"type": "kick", "reason": "blocked"}
    assert await phone.recv() == {"type": "__closed__", "code": 4403}


async def test_lost_same_device_replacement_closes_4410_without_a_kick(customer, lost_announcements):
    old = await opened(customer, "phone")
    new = await opened(customer, "phone")
    await liveness.reconcile()
    assert await old.recv() == {"type": "__closed__", "code": 4410}
    await new.send({"type": "ping", "ts": 1})
    assert await new.recv() == {"type": "pong", "ts": 1}
    await new.close()


async def test_two_sockets_of_one_device_at_once_leave_exactly_one(customer):
    a, b = Socket(token_for(customer, "phone"), device_id="phone"), Socket(token_for(customer, "phone"), device_id="phone")
    await asyncio.gather(a.open(), b.open())
    await asyncio.gather(a.hello(), b.hello())
    await liveness.reconcile()
    closed = []
    for socket in (a, b):
        await socket.send({"type": "ping", "ts": 7})
        frame = await socket.recv()
        while frame["type"] not in ("pong", "__closed__"):
            frame = await socket.recv()
        closed.append(frame.get("code") if frame["type"] == "__closed__" else None)
    assert sorted(closed, key=str) == [4410, None]


async def test_a_late_announcement_of_an_older_socket_of_the_same_device_is_ignored(customer):
    socket = await opened(customer, "phone")
    await realtime.publish_many([(realtime.customer_group(customer.pk), events.connected(
        device_id="phone", channel="elsewhere!1", generation=0))])
    await socket.send({"type": "ping", "ts": 1})
    assert await socket.recv() == {"type": "pong", "ts": 1}
    await socket.close()


def use_layer(settings, name):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": f"tests.support.layers.{name}"}}
    channel_layers.backends.clear()


@pytest.mark.parametrize("layer", ["NoNewChannels", "NoSubscribes"])
async def test_connect_while_the_layer_is_down_closes_1013(customer, settings, caplog, layer):
    use_layer(settings, layer)
    socket = Socket(token_for(customer, "phone"), device_id="phone")
    connected, subprotocol = await socket.comm.connect()
    assert (connected, subprotocol) == (True, "csbot.v1.json")
    assert await socket.recv() == {"type": "__closed__", "code": 1013}
    assert not [r for r in caplog.records if r.levelname == "ERROR" or r.exc_info]


async def test_publish_failures_never_reach_the_socket(customer, settings, caplog):
    use_layer(settings, "NoPublishes")
    phone = await opened(customer, "phone")
    await phone.send({"type": "message", "client_msg_id": "m1", "text": "hello"})
    assert (await phone.expect("ack"))["seq"] == 1
    await phone.send({"type": "typing"})
    await phone.send({"type": "ping", "ts": 2})
    assert await phone.expect("pong") == {"type": "pong", "ts": 2}
    await phone.close()
    assert not [r for r in caplog.records if r.levelname == "ERROR" and r.name == "chat.consumers"]
    assert not [r for r in caplog.records if r.exc_info]
