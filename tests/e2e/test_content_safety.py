"""Content safety in a real daphne process, with a real WebSocket client and the fake WeChat."""

import httpx
import pytest

from tests.fakes.wechat_server import FakeWeChat
from tests.support.client import ChatClient

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


async def test_refused_text_over_the_socket_and_http_and_a_checker_outage(pg_database, servers):
    wechat = FakeWeChat(slow_seconds=5)
    server = servers(
        pg_database, name="safe", CSBOT_WX_APPID=wechat.appid, CSBOT_WX_SECRET=wechat.secret,
        CSBOT_WX_API_BASE=wechat.base_url, CSBOT_CONTENT_CHECK=1, CSBOT_CONTENT_CHECK_TIMEOUT_S=1,
    )
    client = ChatClient("safe-1", device_id="phone")
    await client.connect(server)
    await client.send({"type": "message", "client_msg_id": "m-1", "text": "this is forbidden"})
    error = await client.expect("error")
    assert error["code"] == "rejected" and error["client_msg_id"] == "m-1"
    ack = await client.say("m-2", "where is my parcel?")
    assert ack["seq"] == 1
    # A checker that hangs or fails lets chat go on.
    assert (await client.say("m-3", "checker-slow hello"))["seq"] == 2
    assert (await client.say("m-4", "checker-down hello"))["seq"] == 3
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(
            f"{server.http}/api/chat/messages", json={"client_msg_id": "h-1", "text": "forbidden again"},
            headers={"Authorization": f"Bearer {client.token}"},
        )
        assert response.status_code == 422 and response.json()["error"] == "rejected"
        metrics = (await http.get(f"{server.http}/metrics")).text
    assert 'csbot_content_checks_total{result="refused"} 2.0' in metrics
    assert 'csbot_content_checks_total{result="error"} 2.0' in metrics
    rows = pg_database.query("SELECT client_msg_id, seq, refused FROM chat_message ORDER BY id")
    assert rows == [("m-1", None, True), ("m-2", 1, False), ("m-3", 2, False), ("m-4", 3, False), ("h-1", None, True)]
    output = server.output()
    assert "Traceback" not in output and "forbidden" not in output and wechat.secret not in output
    await client.close()
    wechat.close()
