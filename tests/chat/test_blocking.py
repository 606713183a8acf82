"""A blocked customer can neither connect nor post; the HTTP API's short trust in an unblocked one."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async

from chat import accounts
from chat.models import Customer, Message

from .helpers import Socket, make_customer
from .test_longpoll import Client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_trust():
    # Ids come back after a test database flush; a customer trusted in an earlier test is not this one.
    accounts._allowed_until.clear()
    yield
    accounts._allowed_until.clear()


def block(customer):
    Customer.objects.filter(pk=customer.pk).update(blocked=True)


def post(client, client_msg_id):
    body = json.dumps({"client_msg_id": client_msg_id, "text": "hi"})
    return client.post("/api/chat/messages", data=body, content_type="application/json")


async def test_a_blocked_customer_gets_forbidden_on_the_socket():
    customer, token = await sync_to_async(make_customer)()
    await sync_to_async(block)(customer)
    socket = Socket(token)
    await socket.open()
    assert (await socket.recv())["code"] == "forbidden"
    assert await socket.recv() == {"type": "__closed__", "code": 4403}


async def test_a_blocked_customer_cannot_post_or_poll_and_nothing_is_written():
    customer, token = await sync_to_async(make_customer)()
    await sync_to_async(block)(customer)
    client = Client(token)
    refused = await post(client, "m1")
    assert (refused.status_code, refused.json()) == (401, {"error": "unauthorized"})
    assert (await client.get("/api/chat/poll?after_seq=0&timeout=0")).status_code == 401
    assert await sync_to_async(Message.objects.count)() == 0
    assert not accounts.recently_allowed(customer.pk)


async def test_an_unblocked_customer_is_trusted_for_a_while_then_checked_again(settings):
    settings.CSBOT_ALLOWED_CACHE_S = 0.5
    customer, token = await sync_to_async(make_customer)()
    client = Client(token)
    assert (await post(client, "m1")).status_code == 200
    assert accounts.recently_allowed(customer.pk)
    await sync_to_async(block)(customer)
    # Within the trusted time the block is not seen yet: that is the price of no query per request.
    assert (await post(client, "m2")).status_code == 200
    await asyncio.sleep(0.6)
    assert (await post(client, "m3")).status_code == 401
    stored = await sync_to_async(list)(Message.objects.order_by("seq").values_list("client_msg_id", flat=True))
    assert stored == ["m1", "m2"]


def test_the_trust_list_stays_bounded(monkeypatch):
    monkeypatch.setattr(accounts, "ALLOWED_CACHE_MAX", 3)
    customers = [make_customer(openid=f"o-{n}", device_id="d")[0] for n in range(5)]
    for customer in customers:
        assert accounts.check_allowed(customer.pk)
    assert len(accounts._allowed_until) <= 3
    assert accounts.recently_allowed(customers[-1].pk)
