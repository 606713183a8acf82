"""Answers bounded in bytes: history, the welcome page and a resume's replay."""

import json

import pytest
from channels.db import database_sync_to_async

from chat import actions
from chat.ratelimit import Allowances

from .helpers import Socket, make_customer

pytestmark = pytest.mark.django_db(transaction=True)
LONG = "长" * 4000  # 12 KB of UTF-8, the longest text a message may hold


@pytest.fixture
def chatty():
    """A customer whose conversation holds 60 messages of the longest kind."""
    customer, token = make_customer()
    conversation = actions.open_conversation(customer=customer)
    for n in range(60):
        actions.post_bot_reply(conversation=conversation.pk, text=f"{n} {LONG}")
    return token, conversation.pk


def wire_bytes(frame):
    return len(json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode())


async def test_history_answers_fit_in_their_byte_budget(chatty, settings):
    token, _ = chatty
    socket = Socket(token)
    await socket.open()
    await socket.hello()
    await socket.send({"type": "history", "before_seq": 0, "limit": 100})
    history = await socket.expect("history")
    seqs = [m["seq"] for m in history["messages"]]
    assert wire_bytes(history) <= settings.CSBOT_HISTORY_MAX_BYTES + 100
    assert seqs == list(range(61 - len(seqs), 61)) and 1 <= len(seqs) < 60  # the newest, oldest first
    await socket.send({"type": "history", "before_seq": seqs[0], "limit": 100})
    older = await socket.expect("history")
    assert older["messages"][-1]["seq"] == seqs[0] - 1
    await socket.close()


async def test_welcome_page_and_replay_fit_in_the_page_budget(chatty, settings):
    token, conversation_id = chatty
    settings.CSBOT_PAGE_MAX_BYTES = 100_000
    socket = Socket(token)
    await socket.open()
    welcome, frames, synced = await socket.hello()
    assert sum(map(wire_bytes, frames)) <= 100_000 and frames[-1]["seq"] == 60 == synced["last_seq"]
    await socket.close()
    # A replay of 55 long messages is over the budget: not honoured, the latest page instead.
    socket = Socket(token)
    await socket.open()
    welcome, frames, _ = await socket.hello(resume={"conversation_id": str(conversation_id), "last_seq": 5})
    assert welcome["recovered"] is False and sum(map(wire_bytes, frames)) <= 100_000
    await socket.close()
    socket = Socket(token)
    await socket.open()
    welcome, frames, _ = await socket.hello(resume={"conversation_id": str(conversation_id), "last_seq": 57})
    assert welcome["recovered"] is True and [f["seq"] for f in frames] == [58, 59, 60]
    await database_sync_to_async(lambda: None)()
    await socket.close()


async def history_until_refused(socket):
    """Ask for the newest page until the server refuses; return (pages answered, error frame, close code)."""
    pages = 0
    while True:
        await socket.send({"type": "history", "before_seq": 0, "limit": 100})
        frame = await socket.recv()
        if frame["type"] != "history":
            closed = await socket.recv()
            return pages, frame, closed.get("code")
        pages += 1


async def test_history_beyond_the_customers_allowance_closes_4429_and_a_reconnect_does_not_refill_it(chatty, settings):
    settings.CSBOT_HISTORY_BYTES_PER_S = 1  # no refill to speak of within the test
    settings.CSBOT_HISTORY_BURST_BYTES = 3 * 60_000
    token, _ = chatty
    socket = Socket(token)
    await socket.open()
    await socket.hello()
    pages, error, code = await history_until_refused(socket)
    # Each page is about 60 KB: the third goes into debt, the fourth is refused before any read.
    assert (pages, error["code"], code) == (3, "rate_limited", 4429)
    again = Socket(token)
    await again.open()
    await again.hello()
    pages, error, code = await history_until_refused(again)
    assert (pages, error["code"], code) == (0, "rate_limited", 4429)
    # Another customer has an allowance of their own.
    other, other_token = await database_sync_to_async(make_customer)(openid="o-other")
    fresh = Socket(other_token)
    await fresh.open()
    await fresh.hello()
    await fresh.send({"type": "history", "before_seq": 0, "limit": 100})
    assert (await fresh.expect("history"))["messages"] == []
    await fresh.close()


def test_allowances_forget_customers_whose_allowance_is_full_again():
    allowances = Allowances(rate=1000, capacity=1000)
    allowances.of("busy").charge(5000)
    allowances.of("idle")
    allowances.prune()
    assert set(allowances.by_key) == {"busy"}
    assert not allowances.of("busy").available() and allowances.of("idle").available()
