"""The customer socket through WebsocketCommunicator: every contract answer."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import User

from chat import actions, events, liveness, realtime
from chat.models import Conversation, Message, SenderKind

from .helpers import Socket, make_customer, token_for

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


@pytest.fixture
def signed_in():
    return make_customer()


async def connected(token, **kwargs):
    socket = Socket(token, **kwargs)
    await socket.open()
    return socket


async def test_bad_token_gets_unauthorized_and_4401():
    for token in (None, "garbage", "eyJjIjoxfQ:forged:sig"):
        socket = Socket(token)
        await socket.open()
        assert await socket.recv() == {"type": "error", "code": "unauthorized", "message": "log in again"}
        assert await socket.recv() == {"type": "__closed__", "code": 4401}


async def test_hello_answers_welcome_then_synced(signed_in):
    customer, token = signed_in
    socket = Socket(token)
    assert await socket.open() == "csbot.v1.json"
    welcome, frames, synced = await socket.hello(compress=["snappy"])
    assert welcome["conversation"]["status"] == "bot" and welcome["recovered"] is False
    assert welcome["heartbeat_s"] == 10 and welcome["max_frame_bytes"] == 65536 and welcome["compress"] == ["snappy"]
    assert frames == [] and synced == {"type": "synced", "last_seq": 0}
    await socket.close()


async def test_token_in_query_string_works(signed_in):
    _, token = signed_in
    socket = Socket(token, query=True)
    await socket.open()
    await socket.hello()
    await socket.close()


async def test_message_is_acked_once_and_duplicate_gets_same_ack(signed_in):
    customer, token = signed_in
    socket = await connected(token)
    await socket.hello()
    await socket.send({"type": "message", "client_msg_id": "m-1", "text": "你好"})
    ack = await socket.expect("ack")
    assert ack["seq"] == 1 and ack["client_msg_id"] == "m-1"
    await socket.send({"type": "message", "client_msg_id": "m-1", "text": "你好"})
    assert await socket.expect("ack") == ack
    await socket.nothing()
    assert await db(Message.objects.count)() == 1
    await socket.close()


@pytest.mark.parametrize(
    "payload, code",
    [
        ("not json at all", "bad_frame"),
        (json.dumps([1, 2]), "bad_frame"),
        (json.dumps({"type": "dance"}), "unknown_type"),
        (json.dumps({"type": "message", "client_msg_id": 5, "text": "x"}), "invalid_field"),
        (json.dumps({"type": "message", "client_msg_id": "a", "text": ["x"]}), "invalid_field"),
        (json.dumps({"type": "history", "before_seq": "1", "limit": 10}), "invalid_field"),
        (json.dumps({"type": "history", "before_seq": 0, "limit": 500}), "invalid_field"),
    ],
)
async def test_bad_frames_get_4400_and_write_nothing(signed_in, payload, code):
    _, token = signed_in
    socket = await connected(token)
    await socket.hello()
    rows = await db(Message.objects.count)()
    await socket.comm.send_to(text_data=payload)
    error = await socket.recv()
    assert error["type"] == "error" and error["code"] == code
    assert await socket.recv() == {"type": "__closed__", "code": 4400}
    assert await db(Message.objects.count)() == rows


async def test_oversized_frame_closes_1009(signed_in):
    _, token = signed_in
    socket = await connected(token)
    await socket.hello()
    await socket.send({"type": "message", "client_msg_id": "big", "text": "x" * 70 * 1024})
    assert (await socket.recv())["code"] == "frame_too_large"
    assert await socket.recv() == {"type": "__closed__", "code": 1009}
    assert await db(Message.objects.count)() == 0


async def test_soft_errors_keep_the_socket(signed_in):
    _, token = signed_in
    socket = await connected(token)
    await socket.hello()
    await socket.send({"type": "message", "client_msg_id": "m1", "text": "x" * 4001})
    assert await socket.recv() == {"type": "error", "code": "text_too_long", "message": "text is longer than 4000 characters", "client_msg_id": "m1"}
    await socket.send({"type": "message", "client_msg_id": "bad id with spaces", "text": "hi"})
    assert (await socket.recv())["code"] == "invalid_client_msg_id"
    await socket.send({"type": "ping", "ts": 42})
    assert await socket.recv() == {"type": "pong", "ts": 42}
    assert await db(Message.objects.count)() == 0
    await socket.close()


async def test_frames_before_hello_are_refused_softly(signed_in):
    _, token = signed_in
    socket = await connected(token)
    await socket.send({"type": "message", "client_msg_id": "m1", "text": "hi"})
    assert (await socket.recv())["code"] == "hello_required"
    await socket.hello()
    await socket.close()


async def test_flooding_socket_is_closed_4429(signed_in, settings):
    settings.CSBOT_RATE_LIMIT_BURST = 5
    settings.CSBOT_RATE_LIMIT_PER_S = 1
    _, token = signed_in
    socket = await connected(token)
    for n in range(10):
        await socket.send({"type": "ping", "ts": n})
    codes = []
    while True:
        frame = await socket.recv()
        codes.append(frame.get("code"))
        if frame["type"] == "__closed__":
            break
    assert codes[-2:] == ["rate_limited", 4429]


async def test_silent_socket_is_closed_4408(signed_in, settings):
    settings.CSBOT_HEARTBEAT_S = 1
    _, token = signed_in
    socket = await connected(token)
    await socket.hello()
    assert (await socket.recv(timeout=6))["code"] == "heartbeat_timeout"
    assert await socket.recv() == {"type": "__closed__", "code": 4408}


async def test_second_device_kicks_the_first_with_4409(signed_in):
    customer, token = signed_in
    first = await connected(token)
    await first.hello()
    other_token = token_for(customer, "dev-2")
    second = await connected(other_token, device_id="dev-2")
    await first.nothing()  # a socket takes over at its hello, not at its handshake
    await second.hello()
    assert await first.recv() == {"type": "kick", "reason": "signed_in_elsewhere"}
    assert await first.recv() == {"type": "__closed__", "code": 4409}
    await second.close()


async def test_same_device_reconnecting_replaces_quietly_with_4410(signed_in):
    _, token = signed_in
    first = await connected(token)
    await first.hello()
    second = await connected(token)
    await second.hello()
    assert await first.recv() == {"type": "__closed__", "code": 4410}
    await second.close()


async def test_multi_policy_keeps_both_devices_and_echoes(signed_in, settings):
    settings.CSBOT_DEVICE_POLICY = "multi"
    customer, token = signed_in
    first = await connected(token)
    await first.hello()
    second = await connected(token_for(customer, "dev-2"), device_id="dev-2")
    await second.hello()
    await first.send({"type": "message", "client_msg_id": "m1", "text": "from one"})
    await first.expect("ack")
    echoed = await second.expect("message")
    assert echoed["text"] == "from one" and echoed["seq"] == 1
    await first.nothing()
    await first.close()
    await second.close()


async def test_resume_replays_missed_messages_then_live_ones(signed_in):
    customer, token = signed_in
    socket = await connected(token)
    welcome, _, _ = await socket.hello()
    conv_id = int(welcome["conversation"]["id"])
    await socket.send({"type": "message", "client_msg_id": "m1", "text": "one"})
    await socket.expect("ack")
    await socket.close()
    for n in range(3):
        await db(actions.post_bot_reply)(conversation=conv_id, text=f"bot {n}")
    socket = await connected(token)
    welcome, frames, synced = await socket.hello(resume={"conversation_id": str(conv_id), "last_seq": 1})
    assert welcome["recovered"] is True
    assert [f["seq"] for f in frames] == [2, 3, 4] and synced["last_seq"] == 4
    await db(actions.post_bot_reply)(conversation=conv_id, text="live")
    live = await socket.expect("message")
    assert live["seq"] == 5 and live["sender"] == "bot"
    await socket.nothing()
    await socket.close()


async def test_unhonourable_resume_sends_latest_page(signed_in):
    _, token = signed_in
    socket = await connected(token)
    await socket.hello()
    await socket.send({"type": "message", "client_msg_id": "m1", "text": "one"})
    await socket.expect("ack")
    await socket.close()
    socket = await connected(token)
    welcome, frames, _ = await socket.hello(resume={"conversation_id": "424242", "last_seq": 0})
    assert welcome["recovered"] is False and [f["seq"] for f in frames] == [1]
    await socket.close()


async def test_lost_wakeup_is_repaired_from_the_database(signed_in):
    customer, token = signed_in
    socket = await connected(token)
    welcome, _, _ = await socket.hello()
    conv_id = int(welcome["conversation"]["id"])
    # A reply whose wake-up the channel layer lost: stored, never published.
    await db(realtime.collecting(actions.post_bot_reply))(conversation=conv_id, text="lost")
    await db(actions.post_bot_reply)(conversation=conv_id, text="next")
    first, second = await socket.expect("message"), await socket.expect("message")
    assert [(first["seq"], first["text"]), (second["seq"], second["text"])] == [(1, "lost"), (2, "next")]
    # A lost wake-up with nothing after it is found by the periodic check.
    await db(realtime.collecting(actions.post_bot_reply))(conversation=conv_id, text="tail")
    await socket.nothing()
    await liveness.reconcile()
    tail = await socket.expect("message")
    assert (tail["seq"], tail["text"]) == (3, "tail")
    await socket.close()


async def test_handoff_answers_status_and_history_pages(signed_in):
    customer, token = signed_in
    socket = await connected(token)
    await socket.hello()
    for n in range(1, 4):
        await socket.send({"type": "message", "client_msg_id": f"m{n}", "text": f"t{n}"})
        await socket.expect("ack")
    await socket.send({"type": "handoff", "reason": "need a person"})
    status = await socket.expect("status")
    assert status["status"] == "queued" and status["queue_position"] == 1
    await socket.send({"type": "history", "before_seq": 3, "limit": 5})
    history = await socket.expect("history")
    assert [m["seq"] for m in history["messages"]] == [1, 2]
    await socket.close()


async def test_agent_reply_and_close_reach_the_customer(signed_in):
    customer, token = signed_in
    agent = await db(User.objects.create_user)("alice", is_staff=True)
    socket = await connected(token)
    welcome, _, _ = await socket.hello()
    conv_id = int(welcome["conversation"]["id"])
    await db(actions.take_over)(conversation=conv_id, agent=agent, agent_name="Alice")
    assert await socket.expect("status") == {"type": "status", "conversation_id": str(conv_id), "status": "agent", "agent_name": "Alice"}
    await db(actions.send_agent_reply)(conversation=conv_id, agent=agent, text="How can I help?", agent_name="Alice")
    reply = await socket.expect("message")
    assert reply["sender"] == "agent" and reply["sender_name"] == "Alice" and reply["seq"] == 1
    await db(actions.add_private_note)(conversation=conv_id, agent=agent, text="secret")
    await db(actions.close_conversation)(conversation=conv_id, actor=SenderKind.AGENT, actor_user=agent)
    assert (await socket.expect("status"))["status"] == "closed"
    await socket.send({"type": "rate", "score": 5})
    assert await socket.expect("rated") == {"type": "rated", "conversation_id": str(conv_id), "score": 5}
    # The next message opens a new conversation; its status comes before the ack.
    await socket.send({"type": "message", "client_msg_id": "after", "text": "one more thing"})
    status = await socket.recv()
    ack = await socket.recv()
    assert status["type"] == "status" and status["status"] == "bot" and status["conversation_id"] != str(conv_id)
    assert ack["type"] == "ack" and ack["conversation_id"] == status["conversation_id"] and ack["seq"] == 1
    await socket.nothing()
    assert await db(Conversation.objects.filter(status="closed", rating=5).count)() == 1
    await socket.close()


async def test_concurrent_writers_leave_gapless_seqs(signed_in):
    customer, token = signed_in
    socket = await connected(token)
    welcome, _, _ = await socket.hello()
    conv_id = int(welcome["conversation"]["id"])

    async def bot(n):
        await db(actions.post_bot_reply, thread_sensitive=False)(conversation=conv_id, text=f"b{n}")

    async def customer_says(n):
        await socket.send({"type": "message", "client_msg_id": f"c{n}", "text": f"c{n}"})

    await asyncio.gather(*(bot(n) for n in range(20)), *(customer_says(n) for n in range(20)))
    acked = set()
    while len(acked) < 20:
        acked.add((await socket.expect("ack", timeout=10))["client_msg_id"])
    seqs = sorted(await db(lambda: list(Message.objects.values_list("seq", flat=True)))())
    assert seqs == list(range(1, 41))
    await socket.close()


async def test_late_announcement_from_an_older_socket_does_not_kick_a_newer_one(signed_in):
    customer, token = signed_in
    socket = await connected(token)
    await socket.hello()
    # A wake-up delayed in transit: another device that connected long ago.
    await realtime.publish_many([(realtime.customer_group(customer.pk), events.connected(
        device_id="old-tablet", channel="elsewhere!1", generation=0))])
    await socket.nothing(0.5)
    await socket.send({"type": "ping", "ts": 1})
    assert await socket.recv() == {"type": "pong", "ts": 1}
    await socket.close()
