"""A daphne process killed mid-turn: after a restart the customer is answered exactly once."""

import subprocess
import sys

import pytest
import websockets

from tests.fakes.llm_server import FakeLLMServer
from tests.support.client import ChatClient
from tests.support.servers import ROOT, Daphne

from .sockets import LLM_QUESTION

pytestmark = [pytest.mark.e2e]


def bot_settings(llm):
    return dict(
        CSBOT_BOT_ENABLED=1, CSBOT_LLM_BASE_URL=llm.base_url, CSBOT_LLM_API_KEY="k", CSBOT_LLM_MODEL="fake-slow",
        CSBOT_LLM_TIMEOUT_S=5, CSBOT_BOT_LEASE_S=3, CSBOT_BOT_POLL_S=0.5,
    )


async def test_killed_process_mid_stream_is_redelivered_and_answered_once(e2e_database):
    subprocess.run([sys.executable, "manage.py", "load_demo_kb", "-v0"], cwd=ROOT, env=e2e_database.env, check=True)
    servers = []
    with FakeLLMServer(tokens=[f"word{n} " for n in range(12)], delay=0.25) as llm:
        try:
            servers.append(Daphne(e2e_database, name="first", **bot_settings(llm)))
            client = ChatClient("crash-customer")
            await client.connect(servers[0])
            await client.say("m1", LLM_QUESTION)
            await client.expect("stream", timeout=20)
            servers[0].kill()  # SIGKILL mid-stream: no cleanup, the lease stays behind
            with pytest.raises(websockets.ConnectionClosed):
                for _ in range(500):
                    await client.recv(timeout=10)
            assert e2e_database.query("SELECT count(*) FROM chat_message WHERE sender = 'bot'")[0][0] == 0
            assert e2e_database.query("SELECT state FROM chat_botturn")[0][0] == "running"

            servers.append(Daphne(e2e_database, name="second", **bot_settings(llm)))
            await client.connect(servers[1])  # connecting starts that process's runner
            final = await client.expect("message", timeout=30, sender="bot")
            await client.drain(2.0)
            assert final["text"] == "".join(llm.tokens) and final["stream_id"]
            rows = e2e_database.query("SELECT text FROM chat_message WHERE sender = 'bot'")
            assert [r[0] for r in rows] == [final["text"]]
            assert e2e_database.query("SELECT state, attempts FROM chat_botturn") == [("done", 2)]
            assert client.duplicates == 0
            await client.close()
        finally:
            for server in servers:
                server.kill()
