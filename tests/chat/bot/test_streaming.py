"""LLM answers streamed to the customer socket, against a fake OpenAI-compatible server."""

import asyncio

import pytest
from django.contrib.auth.models import User

from chat import actions
from chat.models import Conversation, ConversationEvent

from .sockets import LLM_QUESTION, QUESTION, bot_message, bot_rows, collect, db, open_socket, say, turn_states, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

TOKENS = ["Orders ", "over ", "99 ", "ship ", "free ", "to ", "most ", "cities", "."]


def streams(frames):
    return [f for f in frames if f["type"] == "stream"]


async def test_stream_deltas_then_one_final_message_with_the_full_text(llm, bot, demo_kb):
    llm.tokens = TOKENS
    _, socket = await open_socket()
    await say(socket, "m1", LLM_QUESTION)
    frames = await collect(socket, bot_message)
    deltas, final = streams(frames), frames[-1]
    assert deltas and [d["index"] for d in deltas] == list(range(len(deltas)))
    assert {d["stream_id"] for d in deltas} == {final["stream_id"]}
    assert final["sender"] == "bot" and final["seq"] == 2
    assert final["text"] == "".join(d["delta"] for d in deltas) == "".join(TOKENS)
    await socket.nothing(0.5)
    assert await bot_rows() == [(final["text"], final["stream_id"], 2)]
    assert await turn_states() == [("done", "llm")]
    request = llm.requests[0]
    assert request.headers["authorization"] == "Bearer test-key" and request.body["stream"] is True
    assert "Shipping fees" in request.body["messages"][0]["content"]  # the closest articles are in the prompt
    assert request.body["messages"][-1] == {"role": "user", "content": LLM_QUESTION}
    await socket.close()


async def test_slow_stream_keeps_the_socket_responsive(llm, bot, demo_kb):
    llm.tokens, llm.delay = TOKENS, 0.1
    bot.CSBOT_LLM_MODEL = "fake-slow"
    _, socket = await open_socket()
    await say(socket, "m1", LLM_QUESTION)
    await collect(socket, lambda f: f["type"] == "stream")
    await socket.send({"type": "ping", "ts": 7})
    frames = await collect(socket, lambda f: f["type"] == "pong")
    assert not any(bot_message(f) for f in frames)  # the pong came mid-stream
    frames += await collect(socket, bot_message)
    assert len(streams(frames)) >= 3
    await socket.close()


async def test_error_mid_stream_keeps_what_was_said_then_hands_off(llm, bot, demo_kb):
    llm.tokens, llm.fail_after = TOKENS, 3
    bot.CSBOT_LLM_MODEL = "fake-error-event"
    _, socket = await open_socket()
    await say(socket, "m1", LLM_QUESTION)
    frames = await collect(socket, lambda f: f["type"] == "status" and f["status"] == "queued")
    said, notice = [f for f in frames if bot_message(f)]
    # What the customer saw is kept; deltas still being batched when the error came were never shown.
    assert said["text"] == "".join(d["delta"] for d in streams(frames))
    assert said["text"] and "".join(TOKENS[:3]).startswith(said["text"])
    assert said["stream_id"] == streams(frames)[0]["stream_id"] and "stream_id" not in notice
    assert "connecting you" in notice["text"] and notice["seq"] == said["seq"] + 1
    event = await db(lambda: ConversationEvent.objects.get(kind="handoff_requested"))()
    assert event.data["reason"] == "llm_error"
    await socket.close()


async def test_llm_timeout_hands_off(llm, bot, demo_kb):
    bot.CSBOT_LLM_MODEL = "fake-timeout"
    bot.CSBOT_LLM_TIMEOUT_S = 0.5
    _, socket = await open_socket()
    await say(socket, "m1", LLM_QUESTION)
    frames = await collect(socket, lambda f: f["type"] == "status" and f["status"] == "queued")
    assert streams(frames) == []
    assert [f["sender"] for f in frames if bot_message(f)] == ["bot"]
    assert (await db(Conversation.objects.get)()).status == "queued"
    await socket.close()


async def test_takeover_mid_stream_stops_it_and_the_bot_says_nothing_more(llm, bot, demo_kb):
    llm.tokens, llm.delay = TOKENS * 3, 0.15
    bot.CSBOT_LLM_MODEL = "fake-slow"
    customer, socket = await open_socket()
    agent = await db(User.objects.create_user)("alice", password="pw", is_staff=True)
    await say(socket, "m1", LLM_QUESTION)
    frames = await collect(socket, lambda f: f["type"] == "stream" and f["index"] >= 1)
    conversation = await db(Conversation.objects.get)()
    await db(actions.take_over)(conversation=conversation, agent=agent, agent_name="Alice")
    frames += await collect(socket, bot_message)
    final = frames[-1]
    assert final["text"] == "".join(d["delta"] for d in streams(frames))
    assert 0 < len(final["text"]) < len("".join(llm.tokens))
    assert await asyncio.to_thread(llm.wait_for_disconnects, 1, 5.0)  # the HTTP stream was closed
    await say(socket, "m2", QUESTION)
    await collect(socket, lambda f: f["type"] == "ack")
    await socket.nothing(1.0)
    assert len(await bot_rows()) == 1
    assert await turn_states() == [("done", "llm")]
    await socket.close()


async def test_customer_writing_again_mid_stream_stops_it_and_gets_the_new_answer(llm, bot, demo_kb):
    llm.tokens, llm.delay = TOKENS * 3, 0.15
    bot.CSBOT_LLM_MODEL = "fake-slow"
    _, socket = await open_socket()
    await say(socket, "m1", LLM_QUESTION)
    frames = await collect(socket, lambda f: f["type"] == "stream")
    await say(socket, "m2", QUESTION)
    frames += await collect(socket, bot_message)
    partial = frames[-1]
    assert partial["text"] == "".join(d["delta"] for d in streams(frames))
    assert len(partial["text"]) < len("".join(llm.tokens))
    answer = (await collect(socket, bot_message))[-1]
    assert "request a refund within 7 days" in answer["text"] and "stream_id" not in answer
    assert await wait_for(lambda: _states_are([("done", "llm"), ("done", "answer")]))
    await socket.nothing(0.5)
    await socket.close()


async def _states_are(expected):
    return await turn_states() == expected
