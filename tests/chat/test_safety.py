"""Content safety on customer text, against a local fake WeChat msgSecCheck speaking real HTTP."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.test import AsyncClient

from agents.console import transcript
from chat import ingest, metrics, safety, wx_token
from chat.actions import take_over
from chat.models import BotTurn, Message
from chat.protocol.errors import ProtocolError
from tests.agents.helpers import make_user
from tests.fakes.wechat_server import FakeWeChat

from .helpers import Socket, make_customer

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


@pytest.fixture
def wechat(settings):
    fake = FakeWeChat(slow_seconds=4)
    settings.CSBOT_WX_APPID, settings.CSBOT_WX_SECRET = fake.appid, fake.secret
    settings.CSBOT_WX_API_BASE = fake.base_url
    settings.CSBOT_CONTENT_CHECK = True
    settings.CSBOT_CONTENT_CHECKER = "chat.safety.WeChatTextChecker"
    settings.CSBOT_CONTENT_CHECK_TIMEOUT_S = 2.0
    settings.REDIS_URL = ""
    wx_token._by_loop.clear()
    safety._checker = None
    yield fake
    fake.close()


def count(result):
    return metrics.content_checks.labels(result=result)._value.get()


async def test_refused_text_gets_rejected_is_kept_for_staff_and_leaves_no_seq_gap(wechat):
    customer, token = await db(make_customer)("o-safe")
    socket = Socket(token)
    await socket.open()
    await socket.hello()
    await socket.send({"type": "message", "client_msg_id": "m-1", "text": "something forbidden here"})
    error = await socket.expect("error")
    assert error == {"type": "error", "code": "rejected", "message": error["message"], "client_msg_id": "m-1"}
    # The same message again: the same answer, nothing more stored, and still no ack.
    await socket.send({"type": "message", "client_msg_id": "m-1", "text": "something forbidden here"})
    assert (await socket.expect("error"))["code"] == "rejected"
    await socket.send({"type": "message", "client_msg_id": "m-2", "text": "where is my parcel?"})
    ack = await socket.expect("ack")
    assert ack["seq"] == 1  # the refused text took no seq
    await socket.nothing()
    refused = await Message.objects.aget(client_msg_id="m-1")
    assert refused.refused and refused.seq is None and await Message.objects.acount() == 2
    assert wechat.checks[0]["openid"] == "o-safe" and wechat.checks[0]["version"] == 2
    # Staff see it, marked refused.
    conversation = await db(lambda: refused.conversation)()
    entries = (await db(transcript)(conversation))["entries"]
    assert [e.get("refused", False) for e in entries] == [True, False]
    await socket.close()


async def test_refused_text_never_reaches_the_agent_as_a_message_nor_the_bot(wechat, settings):
    settings.CSBOT_BOT_ENABLED = True  # a turn would be queued for a stored message; none for a refused one
    customer, _ = await db(make_customer)("o-bot-safe")
    with pytest.raises(ProtocolError) as refused:
        await ingest.store_customer_message(customer_id=customer.pk, client_msg_id="m-1", text="forbidden words")
    assert refused.value.code == "rejected"
    assert await BotTurn.objects.acount() == 0
    await ingest.store_customer_message(customer_id=customer.pk, client_msg_id="m-2", text="hello")
    assert await BotTurn.objects.acount() == 1
    # With an agent on the conversation, the console's socket gets it only as a refused entry.
    agent = await db(make_user)("agent-safe", role="Agents")
    conversation = (await Message.objects.select_related("conversation").aget(client_msg_id="m-2")).conversation
    await db(take_over)(conversation=conversation, agent=agent, agent_name="Ann")
    from tests.agents.sockets import Console, session_cookie

    console = Console(await db(session_cookie)(agent))
    await console.open()
    await console.hello()
    await console.send({"type": "open", "conversation_id": str(conversation.pk)})
    while (await console.recv())["type"] != "transcript":
        pass
    with pytest.raises(ProtocolError):
        await ingest.store_customer_message(customer_id=customer.pk, client_msg_id="m-3", text="more forbidden")
    frame = await console.recv()
    while frame.get("text") != "more forbidden":
        assert frame["type"] != "message", frame
        frame = await console.recv()
    assert frame["type"] == "note" and frame["refused"] is True and frame["seq"] is None
    await console.close()


async def test_http_api_answers_422_rejected(wechat):
    customer, token = await db(make_customer)("o-http")
    client = AsyncClient()
    headers = {"Authorization": f"Bearer {token}"}
    response = await client.post("/api/chat/messages", data=json.dumps({"client_msg_id": "h-1", "text": "forbidden"}),
                                 content_type="application/json", headers=headers)
    assert response.status_code == 422 and response.json()["error"] == "rejected"
    response = await client.post("/api/chat/messages", data=json.dumps({"client_msg_id": "h-2", "text": "fine"}),
                                 content_type="application/json", headers=headers)
    assert response.status_code == 200 and response.json()["seq"] == 1


@pytest.mark.parametrize("text", ["checker-down", "checker-busy", "checker-slow"])
async def test_a_failing_checker_never_blocks_chat(wechat, text, caplog):
    customer, token = await db(make_customer)(f"o-{text}")
    errors = count("error")
    result = await ingest.store_customer_message(customer_id=customer.pk, client_msg_id="m-1", text=f"{text} forbidden")
    assert result.message.seq == 1 and not result.message.refused  # failed open
    assert count("error") == errors + 1
    assert "content check failed" in caplog.text and "forbidden" not in caplog.text


async def test_checks_of_concurrent_messages_overlap(wechat):
    wechat.check_delay = 0.2
    customers = [await db(make_customer)(f"o-par-{n}") for n in range(8)]
    results = await asyncio.gather(*(
        ingest.store_customer_message(customer_id=c.pk, client_msg_id="m-1", text="hello") for c, _ in customers
    ))
    assert all(r.message.seq == 1 for r in results)
    assert wechat.max_in_flight > 1


async def test_off_by_default_and_pluggable(wechat, settings):
    customer, _ = await db(make_customer)("o-off")
    settings.CSBOT_CONTENT_CHECK = False
    await ingest.store_customer_message(customer_id=customer.pk, client_msg_id="m-1", text="forbidden")
    assert wechat.checks == []
    settings.CSBOT_CONTENT_CHECK = True
    settings.CSBOT_CONTENT_CHECKER = "chat.safety.NoChecker"
    result = await ingest.store_customer_message(customer_id=customer.pk, client_msg_id="m-2", text="forbidden")
    assert result.message.seq == 2 and wechat.checks == []


async def test_a_refused_message_resent_while_the_check_is_off_stays_refused(wechat, settings):
    customer, _ = await db(make_customer)("o-resend")
    for check in (True, False):  # off: it goes through the batch writer, which finds the refused row
        settings.CSBOT_CONTENT_CHECK = check
        with pytest.raises(ProtocolError) as refused:
            await ingest.store_customer_message(customer_id=customer.pk, client_msg_id="m-1", text="forbidden")
        assert refused.value.code == "rejected"
    result = await ingest.store_customer_message(customer_id=customer.pk, client_msg_id="m-2", text="fine")
    assert result.message.seq == 1 and await Message.objects.acount() == 2


async def test_a_text_longer_than_msgseccheck_takes_is_checked_in_parts(wechat):
    customer, _ = await db(make_customer)("o-long")
    text = "a" * 3000 + " forbidden " + "b" * 500
    with pytest.raises(ProtocolError) as refused:
        await ingest.store_customer_message(customer_id=customer.pk, client_msg_id="m-1", text=text)
    assert refused.value.code == "rejected"
    assert sorted(len(c["content"]) for c in wechat.checks) == [1011, 2500]
