"""The long-poll fallback: same actions, woken through the channel layer."""

import asyncio
import json
import time
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers, get_channel_layer
from django.test import AsyncClient

from chat import actions
from chat.models import Message
from tests.support.services import free_port

from .helpers import make_customer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def signed_in():
    return make_customer()


class Client(AsyncClient):
    """An async test client that sends a Bearer token with every request."""

    def __init__(self, token):
        super().__init__()
        self.auth = {"Authorization": f"Bearer {token}"}

    def get(self, path, **kwargs):
        return super().get(path, headers=self.auth, **kwargs)

    def post(self, path, **kwargs):
        return super().post(path, headers=self.auth, **kwargs)


async def test_post_message_acks_like_the_socket_and_dedups(signed_in):
    customer, token = signed_in
    client = Client(token)
    first = await client.post("/api/chat/messages", data=json.dumps({"client_msg_id": "p1", "text": "hi"}), content_type="application/json")
    again = await client.post("/api/chat/messages", data=json.dumps({"client_msg_id": "p1", "text": "hi"}), content_type="application/json")
    assert first.status_code == 200 and first.json() == again.json()
    assert first.json()["type"] == "ack" and first.json()["seq"] == 1
    assert await sync_to_async(Message.objects.count)() == 1


async def test_bad_requests_are_refused_without_writing(signed_in):
    customer, token = signed_in
    client = Client(token)
    too_long = await client.post("/api/chat/messages", data=json.dumps({"client_msg_id": "p1", "text": "x" * 4001}), content_type="application/json")
    assert (too_long.status_code, too_long.json()["error"]) == (400, "text_too_long")
    garbage = await client.post("/api/chat/messages", data=b"{nope", content_type="application/json")
    assert garbage.status_code == 400
    unauthorized = await Client("forged").get("/api/chat/poll?after_seq=0&timeout=0")
    assert (unauthorized.status_code, unauthorized.json()) == (401, {"error": "unauthorized"})
    assert (await client.get("/api/chat/poll?after_seq=-1")).status_code == 400
    assert await sync_to_async(Message.objects.count)() == 0


async def test_poll_answers_at_once_when_messages_exist(signed_in):
    customer, token = signed_in
    await sync_to_async(actions.record_customer_message)(customer=customer, client_msg_id="p1", text="hi")
    started = time.monotonic()
    response = await Client(token).get("/api/chat/poll?after_seq=0&timeout=25")
    body = response.json()
    assert time.monotonic() - started < 5
    assert [m["seq"] for m in body["messages"]] == [1] and body["last_seq"] == 1
    assert body["status"]["status"] == "bot"


async def poll_woken_by(token, action):
    """Start a long poll, check that it waits, run `action` (sync), and return the body it wakes with."""
    poll = asyncio.ensure_future(Client(token).get("/api/chat/poll?after_seq=0&timeout=10"))
    await asyncio.sleep(0.5)
    assert not poll.done()
    started = time.monotonic()
    await sync_to_async(action)()
    body = (await asyncio.wait_for(poll, 5)).json()
    assert time.monotonic() - started < 3
    return body


async def test_poll_waits_and_is_woken_by_a_new_message(signed_in):
    customer, token = signed_in
    conversation = await sync_to_async(actions.open_conversation)(customer=customer)
    body = await poll_woken_by(token, lambda: actions.post_bot_reply(conversation=conversation, text="here you are"))
    assert [m["text"] for m in body["messages"]] == ["here you are"]


async def test_poll_times_out_with_an_empty_list(signed_in):
    customer, token = signed_in
    started = time.monotonic()
    body = (await Client(token).get("/api/chat/poll?after_seq=0&timeout=1")).json()
    assert 0.9 < time.monotonic() - started < 5 and body["messages"] == []


async def test_poll_is_woken_by_a_status_change_without_a_message(signed_in):
    customer, token = signed_in
    conversation = await sync_to_async(actions.open_conversation)(customer=customer)
    body = await poll_woken_by(token, lambda: actions.request_handoff(conversation=conversation, actor="customer"))
    assert body["messages"] == []
    # Queued before writing anything: no agent sees it yet, so no place in line is promised.
    assert body["status"]["status"] == "queued" and "queue_position" not in body["status"]


async def test_a_message_committed_as_the_poll_subscribes_is_answered_at_once(signed_in, monkeypatch):
    from chat import views

    customer, token = signed_in
    conversation = await sync_to_async(actions.open_conversation)(customer=customer)
    layer = views.get_channel_layer()
    subscribe = layer.group_add

    async def commit_then_subscribe(group, channel):
        # Its wake-up is published before the subscription exists and reaches no one:
        # only a read after subscribing finds the message.
        await sync_to_async(actions.post_bot_reply)(conversation=conversation, text="between")
        await subscribe(group, channel)

    monkeypatch.setattr(layer, "group_add", commit_then_subscribe)
    started = time.monotonic()
    body = (await Client(token).get("/api/chat/poll?after_seq=0&timeout=10")).json()
    assert time.monotonic() - started < 3
    assert [m["text"] for m in body["messages"]] == ["between"]


def pubsub_layer(settings, url):
    """Use the Redis pub/sub layer the product runs on, at `url`, for this test."""
    settings.CHANNEL_LAYERS = {"default": {
        "BACKEND": "csbot.channel_layer.ChannelLayer",
        "CONFIG": {"hosts": [{"address": url, "socket_connect_timeout": 2}], "prefix": f"t{uuid.uuid4().hex[:8]}"},
    }}
    channel_layers.backends.clear()
    return get_channel_layer()


async def test_a_poll_during_a_redis_outage_answers_503_and_leaves_nothing_behind(signed_in, settings, caplog):
    customer, token = signed_in
    layer = pubsub_layer(settings, f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    started = time.monotonic()
    for _ in range(3):
        response = await Client(token).get("/api/chat/poll?after_seq=0&timeout=10")
        assert (response.status_code, response.json()["error"]) == (503, "unavailable")
        assert response["Content-Type"] == "application/json" and int(response["Retry-After"]) > 0
    assert time.monotonic() - started < 10  # refused at once, not after the poll's timeout
    assert layer.channels == {}  # no queue per failed poll
    assert not [r for r in caplog.records if r.exc_info], "no traceback in the log"
    short = await Client(token).get("/api/chat/poll?after_seq=0&timeout=0")
    assert short.status_code == 200  # a short poll needs only the database
    await layer.flush()


async def test_polls_on_redis_leave_no_subscription_behind(signed_in, settings, redis_url):
    customer, token = signed_in
    layer = pubsub_layer(settings, redis_url)
    await sync_to_async(actions.record_customer_message)(customer=customer, client_msg_id="p1", text="hi")
    at_once = await Client(token).get("/api/chat/poll?after_seq=0&timeout=10")  # answered without waiting
    assert [m["seq"] for m in at_once.json()["messages"]] == [1]
    timed_out = await Client(token).get("/api/chat/poll?after_seq=1&timeout=0.5")
    assert timed_out.json()["messages"] == []
    shard = layer._get_layer()._shards[0]
    assert layer.channels == {} and shard._subscribed_to == set()
    await layer.flush()
