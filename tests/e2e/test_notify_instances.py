"""Two daphne instances on one database and Redis send each consented notification exactly once."""

import asyncio
import json
import subprocess
import sys

import httpx
import pytest

from tests.fakes.wechat_server import FakeWeChat
from tests.support.client import ChatClient
from tests.support.servers import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres]

TEMPLATES = {
    "reply": {"template_id": "TPL-REPLY", "page": "pages/chat/index", "data": {"thing1": "agent_name", "thing2": "text"}},
    "rate_request": {"template_id": "TPL-RATE", "page": "pages/chat/index", "data": {"thing1": "notice"}},
}

AGENT_SAYS = """
from django.contrib.auth import get_user_model
from chat.actions import close_conversation, send_agent_reply, take_over
from chat.models import Conversation, SenderKind
agent, _ = get_user_model().objects.get_or_create(username="agent-ann")
for openid in {openids!r}:
    conversation = Conversation.objects.filter(customer__openid=openid).exclude(status="closed").get()
    take_over(conversation=conversation, agent=agent, agent_name="Ann")
    for n in range({replies}):
        send_agent_reply(conversation=conversation, agent=agent, text=f"reply {{n}}", agent_name="Ann")
    if {close!r}:
        close_conversation(conversation=conversation, actor=SenderKind.AGENT, actor_user=agent)
"""


def agent_says(database, settings, openids, *, replies=1, close=False):
    """Let an agent reply (and close) through the domain actions, from a process of its own."""
    code = AGENT_SAYS.format(openids=list(openids), replies=replies, close=close)
    env = {**database.env, **{k: str(v) for k, v in settings.items()}}
    subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True)


async def test_each_consent_is_used_once_by_two_instances(pg_database, redis_url, servers):
    wechat = FakeWeChat()
    settings = {
        "CSBOT_WX_APPID": wechat.appid, "CSBOT_WX_SECRET": wechat.secret, "CSBOT_WX_API_BASE": wechat.base_url,
        "CSBOT_WX_NOTIFY_TEMPLATES": json.dumps(TEMPLATES), "CSBOT_NOTIFY_AFTER_S": 1, "CSBOT_NOTIFY_POLL_S": 0.2,
        "CSBOT_RECONCILE_S": 2,
    }
    a = servers(pg_database, redis_url=redis_url, name="a", **settings)
    b = servers(pg_database, redis_url=redis_url, name="b", **settings)
    away = [ChatClient(f"away-{n}", device_id="phone") for n in range(4)]
    here = ChatClient("here-0", device_id="phone")
    async with httpx.AsyncClient(timeout=10) as http:
        for n, client in enumerate([*away, here]):
            server = a if n % 2 == 0 else b
            await client.connect(server)
            await client.say("c-1", "my parcel is late")
            # Two acceptances of the reply template and one of the rating one, reported on either instance.
            response = await http.post(
                f"{server.http}/api/wx/subscriptions", json={"template_ids": ["TPL-REPLY", "TPL-REPLY", "TPL-RATE"]},
                headers={"Authorization": f"Bearer {client.token}"},
            )
            assert response.json() == {"accepted": 3}
        for client in away:
            await client.close()
        # Three replies fold into one notification; the close asks for a rating through the other template.
        await asyncio.to_thread(agent_says, pg_database, settings, [c.openid for c in [*away, here]], replies=3, close=True)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while len(wechat.sends) < 2 * len(away) and loop.time() < deadline:
            await asyncio.sleep(0.2)
        await asyncio.sleep(2)  # anything doubled would arrive by now
    for server in (a, b):
        assert "Traceback" not in server.output(), server.output()
    sent = sorted((s["touser"], s["template_id"]) for s in wechat.sends)
    assert sent == sorted((c.openid, t) for c in away for t in ("TPL-REPLY", "TPL-RATE"))
    # The customer with a socket open got nothing.
    assert not any(s["touser"].endswith("here-0") for s in wechat.sends)
    assert wechat.tokens_issued == ["token-1"]
    rows = pg_database.query("SELECT state, count(*) FROM chat_notification GROUP BY state ORDER BY state")
    assert dict(rows) == {"sent": 8, "skipped": 2}
    unused = pg_database.query("SELECT count(*) FROM chat_subscriptionconsent WHERE used_at IS NULL")[0][0]
    assert unused == 4 + 3  # one reply consent left per away customer; the present customer kept all three
    for server in (a, b):
        assert "wx-test-secret" not in server.output() and "token-1" not in server.output()
    await here.close()
    wechat.close()


async def test_an_instance_without_sockets_or_redis_sends_too(e2e_database, servers):
    """The sender starts with the server, not with the first socket; without Redis the token and presence stay in process."""
    wechat = FakeWeChat()
    settings = {
        "CSBOT_WX_APPID": wechat.appid, "CSBOT_WX_SECRET": wechat.secret, "CSBOT_WX_API_BASE": wechat.base_url,
        "CSBOT_WX_NOTIFY_TEMPLATES": json.dumps(TEMPLATES), "CSBOT_NOTIFY_AFTER_S": 0, "CSBOT_NOTIFY_POLL_S": 0.2,
    }
    server = servers(e2e_database, name="solo", **settings)
    async with httpx.AsyncClient(timeout=10) as http:
        login = await http.post(f"{server.http}/api/auth/dev-login",
                                json={"openid": "poller", "device_id": "phone", "platform": "android"})
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        sent = await http.post(f"{server.http}/api/chat/messages", json={"client_msg_id": "p-1", "text": "hi"}, headers=headers)
        assert sent.status_code == 200
        accepted = await http.post(f"{server.http}/api/wx/subscriptions", json={"template_ids": ["TPL-REPLY"]}, headers=headers)
        assert accepted.json() == {"accepted": 1}
    await asyncio.to_thread(agent_says, e2e_database, settings, ["poller"], replies=1)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15
    while not wechat.sends and loop.time() < deadline:
        await asyncio.sleep(0.2)
    assert [(s["touser"], s["template_id"]) for s in wechat.sends] == [("poller", "TPL-REPLY")]
    assert "Traceback" not in server.output()
    wechat.close()
