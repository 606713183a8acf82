"""Redis trouble on real daphne instances: connects get 1013, and kicks land even when lost."""

import asyncio

import pytest
import websockets

from tests.support.client import ChatClient, login

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres]
RECONCILE_S = 2


async def test_connect_during_an_outage_closes_1013_and_a_lost_kick_still_lands(pg_database, private_redis, servers):
    settings = {"CSBOT_RECONCILE_S": RECONCILE_S}
    a = servers(pg_database, redis_url=private_redis.url, name="a", **settings)
    b = servers(pg_database, redis_url=private_redis.url, name="b", **settings)
    phone = ChatClient("fault-1", device_id="phone")
    await phone.connect(a)
    laptop_token = await asyncio.to_thread(login, b.http, "fault-1", "laptop")

    private_redis.stop()
    async with websockets.connect(f"{b.ws}/ws/chat/", additional_headers={"Authorization": f"Bearer {laptop_token}"},
                                  subprotocols=["csbot.v1.json"], open_timeout=10) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd.code == 1013

    # Redis back: the laptop connects at once, before A's subscriptions may be restored.
    private_redis.start()
    laptop = ChatClient("fault-1", device_id="laptop")
    laptop.token = laptop_token
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while True:
        try:
            await laptop.connect(b)
            break
        except websockets.ConnectionClosed:  # 1013 until the layer reconnects
            assert loop.time() < deadline
            await asyncio.sleep(0.2)
    started = loop.time()
    kick = await phone.expect("kick", timeout=3 * RECONCILE_S + 5)
    assert kick == {"type": "kick", "reason": "signed_in_elsewhere"}
    assert await phone.close_code() == 4409
    assert loop.time() - started <= 3 * RECONCILE_S + 5
    await laptop.send({"type": "ping", "ts": 5})
    assert await laptop.expect("pong") == {"type": "pong", "ts": 5}
    for server in (a, b):
        # The layer's connection owner logs a reconnect as one warning line, without a traceback.
        output = server.output()
        assert "Traceback" not in output
        assert "already waiting" not in output
        assert laptop_token not in server.output()
    await laptop.close()
