"""Pictures across real daphne instances: a customer's picture reaches a console on another instance, and back."""

import asyncio
import time

import httpx
import pytest

from tests.support import pictures
from tests.support.client import ChatClient
from tests.support.console_client import ConsoleClient
from tests.support.servers import create_console_agent

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres]


async def upload(server, token, data, filename="photo.jpg", content_type="image/jpeg"):
    async with httpx.AsyncClient(timeout=20) as http:
        return await http.post(f"{server.http}/api/chat/media", files={"file": (filename, data, content_type)},
                               headers={"Authorization": f"Bearer {token}"})


async def test_a_customer_picture_reaches_a_console_on_another_instance_and_an_agent_picture_comes_back(
        pg_database, redis_url, servers):
    a = servers(pg_database, redis_url=redis_url, name="a")
    b = servers(pg_database, redis_url=redis_url, name="b")
    await asyncio.to_thread(create_console_agent, pg_database)
    customer = ChatClient("pic-cross-1", device_id="phone")
    await customer.connect(a)
    await customer.say("t-1", "my cup arrived broken")
    console = ConsoleClient(b)
    await console.sign_in()
    await console.connect()
    await console.send({"type": "open", "conversation_id": customer.conversation_id})
    await console.expect("transcript")

    answer = await upload(a, customer.token, pictures.jpeg_with_location())
    assert answer.status_code == 200, answer.text
    uploaded = time.perf_counter()
    await customer.send({"type": "message", "client_msg_id": "p-1", "media_id": answer.json()["media_id"]})
    await customer.expect("ack", client_msg_id="p-1")
    seen = await console.expect("message", client_msg_id="p-1")
    assert time.perf_counter() - uploaded < 5  # the figure itself comes from bench/media_delivery.py
    picture = seen["media"]
    assert (picture["mime"], picture["width"], picture["height"]) == ("image/jpeg", 640, 480)
    async with httpx.AsyncClient(timeout=20) as http:
        # Signed on one instance, served by the other: the key and the store are shared.
        thumb = await http.get(b.http + picture["thumb_url"])
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
        assert (await http.get(b.http + picture["url"].split("?")[0])).status_code == 404

    # The agent takes over and sends a picture of their own.
    await console.send({"type": "command", "command": "take_over", "conversation_id": customer.conversation_id,
                        "ref": "r1"})
    await console.expect("done", ref="r1")
    staff = await console.upload(pictures.png((120, 90)))
    assert staff.status_code == 200, staff.text
    await console.send({"type": "command", "command": "reply", "conversation_id": customer.conversation_id,
                        "text": "like this one?", "media_id": staff.json()["media_id"], "ref": "r2"})
    await console.expect("done", ref="r2")
    reply = await customer.expect("message", sender="agent")
    assert reply["text"] == "like this one?" and reply["media"]["width"] == 120
    await customer.close()
    await console.close()
