"""Several daphne instances sharing Redis and PostgreSQL, with a real WebSocket client."""

import asyncio

import httpx
import pytest

from tests.support.client import ChatClient

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres]


async def test_kick_and_dedup_work_across_instances(pg_database, redis_url, servers):
    a = servers(pg_database, redis_url=redis_url, name="a")
    b = servers(pg_database, redis_url=redis_url, name="b")
    phone = ChatClient("cross-1", device_id="phone")
    await phone.connect(a)
    first_ack = await phone.say("m-1", "where is my parcel?")
    # The same message resent through the other instance: same ack, nothing stored.
    async with httpx.AsyncClient() as http:
        token = phone.token
        response = await http.post(
            f"{b.http}/api/chat/messages", json={"client_msg_id": "m-1", "text": "where is my parcel?"},
            headers={"Authorization": f"Bearer {token}"},
        )
    resent = response.json()
    assert {k: resent[k] for k in first_ack} == first_ack
    # And through a socket on B: the same device moves there and resends.
    phone_on_b = ChatClient("cross-1", device_id="phone")
    phone_on_b.token = phone.token
    await phone_on_b.connect(b)
    assert await phone.close_code() == 4410
    again = await phone_on_b.say("m-1", "where is my parcel?")
    assert {k: again[k] for k in first_ack} == first_ack
    phone = phone_on_b
    laptop = ChatClient("cross-1", device_id="laptop")
    await laptop.connect(b)
    kick = await phone.expect("kick", timeout=10)
    assert kick == {"type": "kick", "reason": "signed_in_elsewhere"}
    assert await phone.close_code() == 4409
    assert pg_database.query("SELECT count(*) FROM chat_message")[0][0] == 1
    # The same device coming back on another instance replaces its socket quietly.
    laptop_again = ChatClient("cross-1", device_id="laptop")
    await laptop_again.connect(a)
    assert await laptop.close_code() == 4410
    assert not any(f["type"] == "kick" for f in laptop.frames)
    await laptop_again.close()


async def test_killed_instance_client_resumes_elsewhere_exactly_once(pg_database, redis_url, servers):
    # The writer posts 50 messages a second for one customer: above the customer's rate limit.
    unlimited = {"CSBOT_RATE_LIMIT_PER_S": 1000, "CSBOT_RATE_LIMIT_BURST": 1000}
    a = servers(pg_database, redis_url=redis_url, name="a", **unlimited)
    b = servers(pg_database, redis_url=redis_url, name="b", **unlimited)
    client = ChatClient("resume-1", device_id="phone")
    await client.connect(a)
    for n in range(5):
        await client.say(f"a-{n}", f"before {n}")
    stop = asyncio.Event()

    async def writer():
        """Keep the conversation going through instance B while A dies."""
        n = 0
        async with httpx.AsyncClient() as http:
            while not stop.is_set() and n < 200:
                await http.post(
                    f"{b.http}/api/chat/messages", json={"client_msg_id": f"w-{n}", "text": f"during {n}"},
                    headers={"Authorization": f"Bearer {client.token}"},
                )
                n += 1
                await asyncio.sleep(0.02)
        return n

    task = asyncio.create_task(writer())
    await client.drain(0.5)
    a.kill()  # SIGKILL: no close frame, no disconnect handler
    await asyncio.sleep(0.5)
    welcome = await client.connect(b)
    assert welcome["recovered"] is True
    await asyncio.sleep(0.5)
    stop.set()
    written = await asyncio.wait_for(task, 30)
    total = pg_database.query("SELECT max(seq) FROM chat_message")[0][0]
    # Everything arrives, woken or repaired from the database; bounded wait.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 25
    while set(range(6, total + 1)) - set(client.messages) and loop.time() < deadline:
        await client.drain(0.5)
    await client.drain(0.5)
    assert total == 5 + written
    # Seqs 1-5 reached the client as acks; every later one exactly once as a message.
    assert sorted(client.messages) == list(range(6, total + 1))
    assert client.duplicates == 0
    seen = [f["seq"] for f in client.frames if f["type"] == "message"]
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    await client.close()


async def test_redis_restart_and_a_long_idle_socket_leave_no_socket_deaf(pg_database, private_redis, servers):
    settings = {"CSBOT_RECONCILE_S": 3, "CSBOT_HEARTBEAT_S": 10}
    a = servers(pg_database, redis_url=private_redis.url, name="a", **settings)
    b = servers(pg_database, redis_url=private_redis.url, name="b", **settings)
    clients = [ChatClient(f"redis-{n}", device_id="phone") for n in range(4)]
    for n, client in enumerate(clients):
        await client.connect(a if n % 2 == 0 else b)
        await client.say("hello", "hello")
    agent_http = httpx.AsyncClient()

    async def post_for(client, tag, server):
        response = await agent_http.post(
            f"{server.http}/api/chat/messages", json={"client_msg_id": tag, "text": tag},
            headers={"Authorization": f"Bearer {client.token}"}, timeout=10,
        )
        assert response.status_code == 200
        return response.json()["seq"]

    async def receives(client, seq, timeout):
        """True once the client holds `seq`, reconnecting with resume if the server closed it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while seq not in client.messages and loop.time() < deadline:
            try:
                await client.recv(timeout=0.5)
            except TimeoutError:
                pass
            except Exception:
                await client.connect(a if a.alive() else b)
        return seq in client.messages

    private_redis.stop()
    # Written while Redis is away: committed, but nobody is woken.
    during = [await post_for(c, "during-outage", b if n % 2 == 0 else a) for n, c in enumerate(clients)]
    private_redis.start()
    for client, seq in zip(clients, during):
        assert await receives(client, seq, timeout=20), "a socket missed a message from the outage"
    # Now only heartbeats for over a minute.
    loop = asyncio.get_running_loop()
    until = loop.time() + 65
    while loop.time() < until:
        for client in clients:
            await client.send({"type": "ping", "ts": 1})
        await asyncio.sleep(5)
        for client in clients:
            await client.drain(0.05)
    after = [await post_for(c, "after-idle", b if n % 2 == 0 else a) for n, c in enumerate(clients)]
    for client, seq in zip(clients, after):
        assert await receives(client, seq, timeout=10), "a socket stayed open and deaf"
        assert client.duplicates == 0
    await agent_http.aclose()
    for client in clients:
        await client.close()
