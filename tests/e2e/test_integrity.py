"""Integrity under concurrency and bad input, against real daphne processes."""

import asyncio
import json
import subprocess
import sys

import httpx
import pytest
import websockets

from tests.support.client import ChatClient, login
from tests.support.servers import ROOT

pytestmark = [pytest.mark.e2e]

BOT_WRITER = """
import sys
from chat.actions import post_bot_reply
from chat.models import Conversation
conversation = Conversation.objects.get(pk=int(sys.argv[1]))
for n in range(int(sys.argv[2])):
    post_bot_reply(conversation=conversation, text=f"bot {n}")
"""


async def test_fifty_concurrent_writers_leave_gapless_seqs(e2e_database, servers):
    # One customer with forty devices: the customer's shared bucket must hold them all.
    server = servers(e2e_database, CSBOT_DEVICE_POLICY="multi", CSBOT_RATE_LIMIT_BURST=1000, CSBOT_RATE_LIMIT_PER_S=1000)
    devices = [ChatClient("writers", device_id=f"device-{n}") for n in range(40)]
    await asyncio.gather(*(d.connect(server) for d in devices))
    conversation_id = devices[0].conversation_id
    per_writer = 5

    async def socket_writer(client):
        for n in range(per_writer):
            await client.say(f"{client.device_id}-{n}", f"hello {n}", timeout=30)

    code = "import django, sys; django.setup()\n" + BOT_WRITER

    def action_process():
        return subprocess.run([sys.executable, "-c", code, conversation_id, str(per_writer)], cwd=ROOT,
                              env=e2e_database.env, capture_output=True, text=True, timeout=120)

    results = await asyncio.gather(
        *(socket_writer(d) for d in devices), *(asyncio.to_thread(action_process) for _ in range(10))
    )
    for result in results[len(devices):]:
        assert result.returncode == 0, result.stderr
    total = (len(devices) + 10) * per_writer
    seqs = [row[0] for row in e2e_database.query(
        "SELECT seq FROM chat_message WHERE conversation_id = %s ORDER BY seq", (int(conversation_id),))]
    assert seqs == list(range(1, total + 1))
    assert e2e_database.query("SELECT last_seq FROM chat_conversation WHERE id = %s", (int(conversation_id),))[0][0] == total
    for device in devices:
        await device.close()


async def test_bad_input_gets_contract_answers_and_writes_nothing(e2e_database, servers):
    server = servers(e2e_database)
    client = ChatClient("bad-input", device_id="phone")
    await client.connect(server)
    await client.say("ok-1", "a good message")
    before = e2e_database.query("SELECT count(*) FROM chat_message")[0][0]
    cases = [
        ("garbage text", "bad_frame", 4400),
        (json.dumps({"type": "teleport"}), "unknown_type", 4400),
        (json.dumps({"type": "message", "client_msg_id": 7, "text": 8}), "invalid_field", 4400),
        (json.dumps({"type": "message", "client_msg_id": "big", "text": "x" * (70 * 1024)}), "frame_too_large", 1009),
    ]
    for payload, code, close in cases:
        async with websockets.connect(f"{server.ws}/ws/chat/?token={client.token}") as ws:
            await ws.send(json.dumps({"type": "hello", "device_id": "phone", "platform": "web"}))
            while json.loads(await ws.recv())["type"] != "synced":
                pass
            await ws.send(payload)
            error = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert (error["type"], error["code"]) == ("error", code)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
            assert closed.value.rcvd.code == close
    async with websockets.connect(f"{server.ws}/ws/chat/?token=not-a-token") as ws:
        assert json.loads(await ws.recv()) == {"type": "error", "code": "unauthorized", "message": "log in again"}
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd.code == 4401
    assert e2e_database.query("SELECT count(*) FROM chat_message")[0][0] == before
    # The process is healthy: it still logs in, serves sockets and stores messages.
    assert server.alive()
    fresh = ChatClient("bad-input-2", device_id="phone")
    await fresh.connect(server)
    await fresh.say("ok-2", "still here")
    assert "Traceback" not in server.output()
    await fresh.close()
    await client.close()
    assert login(server.http, "bad-input-3", "d") and httpx.get(f"{server.http}/").status_code == 200


async def test_sigterm_closes_sockets_with_1001_and_clients_resume(e2e_database, servers):
    import signal

    first = servers(e2e_database, name="first")
    client = ChatClient("deploy", device_id="phone")
    await client.connect(first)
    await client.say("before", "before the deploy")
    first.kill(signal.SIGTERM)
    assert await client.close_code() == 1001
    second = servers(e2e_database, name="second")
    welcome = await client.connect(second)
    assert welcome["recovered"] is True
    ack = await client.say("after", "after the deploy")
    assert ack["seq"] == 2
    await client.close()
