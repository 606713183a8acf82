"""A stopping instance tells its sockets 1001 at a pace, and serves the ones it has not told yet."""

import asyncio
import signal
import time

import pytest
import websockets

from tests.support.client import ChatClient

pytestmark = [pytest.mark.e2e]

SOCKETS = 24
RATE = 12  # sockets told per second: the drain takes about two seconds


async def test_sigterm_tells_sockets_in_slices_and_keeps_serving_the_rest(e2e_database, servers):
    server = servers(e2e_database, CSBOT_DRAIN_RATE=RATE, CSBOT_DRAIN_MAX_S=10)
    clients = [ChatClient(f"drain-{n}", device_id="phone") for n in range(SOCKETS)]
    for client in clients:
        await client.connect(server)
    closed_at = {}
    acked_while_draining = []

    async def chat_until_told(n, client):
        # Each socket keeps sending until its 1001 comes: what it sent before must be acknowledged.
        for k in range(100):
            try:
                await client.say(f"m{k}", f"message {k}", timeout=5)
            except websockets.ConnectionClosed as exc:
                closed_at[n] = (time.monotonic(), exc.rcvd.code if exc.rcvd else 1006)
                return
            if started is not None:
                acked_while_draining.append(n)
            await asyncio.sleep(0.1)

    started = None
    tasks = [asyncio.create_task(chat_until_told(n, c)) for n, c in enumerate(clients)]
    await asyncio.sleep(0.5)
    server.proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=20)
    server.proc.wait(timeout=15)

    codes = {code for _, code in closed_at.values()}
    assert len(closed_at) == SOCKETS and codes == {1001}
    spread = max(t for t, _ in closed_at.values()) - min(t for t, _ in closed_at.values())
    # Told over about SOCKETS / RATE seconds, not all in the same instant.
    assert 1.0 <= spread <= 6.0, spread
    # Sockets told late kept chatting, and every message they sent was acknowledged (no timeout above).
    assert len(set(acked_while_draining)) >= SOCKETS // 3
    assert "Traceback" not in server.output()


async def test_every_customer_resumes_with_nothing_lost(e2e_database, servers):
    first = servers(e2e_database, name="first", CSBOT_DRAIN_RATE=20)
    second = servers(e2e_database, name="second")
    clients = [ChatClient(f"resume-{n}", device_id="phone") for n in range(10)]
    for client in clients:
        await client.connect(first)
        await client.say("before", "before the stop")
    first.kill(signal.SIGTERM)
    for client in clients:
        assert await client.close_code() == 1001
        welcome = await client.connect(second)
        assert welcome["recovered"] is True
        assert (await client.say("after", "after the stop"))["seq"] == 2
        await client.close()
