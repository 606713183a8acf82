"""Helpers for bot tests over the in-process customer socket."""

import asyncio

from channels.db import database_sync_to_async

from chat.models import BotTurn, Message
from tests.chat.helpers import Socket, make_customer

QUESTION = "how do i request a refund"  # answered straight from the demo knowledge base
LLM_QUESTION = "shipping question"  # a near-tie of three shipping articles: goes to the LLM
db = database_sync_to_async


async def open_socket(openid="o-bot"):
    """Sign a customer in and return (customer, synced socket)."""
    customer, token = await db(make_customer)(openid=openid)
    socket = Socket(token)
    await socket.open()
    await socket.hello()
    return customer, socket


async def say(socket, client_msg_id, text):
    await socket.send({"type": "message", "client_msg_id": client_msg_id, "text": text})


async def collect(socket, until, timeout=20.0):
    """Read frames until `until(frame)` holds; return every frame read, the last one included."""
    frames = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        frame = await socket.recv(timeout=max(0.05, deadline - loop.time()))
        frames.append(frame)
        assert frame["type"] != "__closed__", frames
        if until(frame):
            return frames


def bot_message(frame):
    return frame["type"] == "message" and frame["sender"] in ("bot", "system")


async def bot_rows(conversation_id=None):
    qs = Message.objects.filter(sender="bot")
    if conversation_id is not None:
        qs = qs.filter(conversation_id=conversation_id)
    return await db(lambda: list(qs.order_by("seq").values_list("text", "stream_id", "seq")))()


async def turn_states():
    return await db(lambda: list(BotTurn.objects.order_by("id").values_list("state", "outcome")))()


async def wait_for(predicate, timeout=8.0):
    """Poll an async predicate until it holds (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(0.05)
    return False
