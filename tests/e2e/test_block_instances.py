"""A customer blocked from the admin process is closed on every instance, and their token refused everywhere."""

import asyncio
import subprocess
import sys
import time

import httpx
import pytest
import websockets

from tests.support.client import ChatClient, login
from tests.support.servers import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres]

BLOCK = """
from chat.accounts import set_blocked
from chat.models import Customer
set_blocked(customer_id=Customer.objects.get(openid="blocked-1").pk, blocked=True)
"""


async def test_blocking_in_another_process_closes_sockets_on_every_instance(pg_database, redis_url, servers):
    a = servers(pg_database, redis_url=redis_url, name="a", CSBOT_ALLOWED_CACHE_S=1)
    b = servers(pg_database, redis_url=redis_url, name="b", CSBOT_ALLOWED_CACHE_S=1)
    phone, laptop = ChatClient("blocked-1", device_id="phone"), ChatClient("blocked-1", device_id="laptop")
    await phone.connect(a)
    laptop.token = await asyncio.to_thread(login, b.http, "blocked-1", "laptop")
    async with httpx.AsyncClient() as http:
        posted = await http.post(f"{b.http}/api/chat/messages", json={"client_msg_id": "h-1", "text": "hi"},
                                 headers={"Authorization": f"Bearer {laptop.token}"})
        assert posted.status_code == 200
        env = dict(pg_database.env, REDIS_URL=redis_url)
        started = time.monotonic()
        await asyncio.to_thread(subprocess.run, [sys.executable, "manage.py", "shell", "-c", BLOCK], cwd=ROOT,
                                env=env, check=True, capture_output=True)
        assert await phone.expect("kick", timeout=5) == {"type": "kick", "reason": "blocked"}
        assert await phone.close_code(timeout=5) == 4403
        closed_after = time.monotonic() - started
        await asyncio.sleep(1.2)  # the HTTP API's short trust in an unblocked customer runs out
        for server in (a, b):
            refused = await http.post(f"{server.http}/api/chat/messages", json={"client_msg_id": "h-2", "text": "hi"},
                                      headers={"Authorization": f"Bearer {laptop.token}"})
            assert (refused.status_code, refused.json()) == (401, {"error": "unauthorized"})
    again = ChatClient("blocked-1", device_id="phone")
    again.token = phone.token
    with pytest.raises(websockets.ConnectionClosed) as refused:
        await again.connect(b)  # refused after the handshake: error frame, then 4403
    assert refused.value.rcvd.code == 4403
    assert closed_after < 5
