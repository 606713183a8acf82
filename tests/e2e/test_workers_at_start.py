"""Background workers start with the server process, not with a first socket or poll."""

import subprocess
import sys
import time

import httpx
import pytest

from tests.support.client import login
from tests.support.servers import ROOT, Daphne, Database

pytestmark = pytest.mark.e2e


@pytest.fixture
def database():
    database = Database("sqlite")
    yield database
    database.drop()


def test_a_process_answers_a_bot_turn_with_no_socket_or_poll_on_it(database):
    subprocess.run([sys.executable, "manage.py", "load_demo_kb", "-v0"], cwd=ROOT, env=database.env, check=True)
    server = Daphne(database, CSBOT_BOT_ENABLED=1, CSBOT_BOT_POLL_S=0.5, CSBOT_LLM_BASE_URL="")
    try:
        token = login(server.http, "worker-1", "phone")
        # Only an HTTP message: before, the bot runner started with a socket's connect or a poll.
        posted = httpx.post(f"{server.http}/api/chat/messages", json={"client_msg_id": "w-1", "text": "hello"},
                            headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert posted.status_code == 200, posted.text
        deadline = time.monotonic() + 60
        while not database.query("SELECT count(*) FROM chat_message WHERE sender = 'bot'")[0][0]:
            assert time.monotonic() < deadline, "no bot answer: the runner did not start with the process"
            time.sleep(0.3)
    finally:
        server.kill()
    assert "Traceback" not in server.output()
