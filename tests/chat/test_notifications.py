"""Subscribe messages while the mini-program is closed, against a local fake WeChat speaking real HTTP."""

import asyncio
import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.test import AsyncClient
from django.utils import timezone

from chat import notifications, notifier, presence, wx_token
from chat.actions import (
    close_conversation,
    mark_read,
    post_bot_reply,
    record_customer_message,
    send_agent_reply,
    take_over,
)
from chat.models import Notification, SenderKind, SubscriptionConsent
from tests.chat.helpers import make_customer
from tests.fakes.wechat_server import FakeWeChat

pytestmark = pytest.mark.django_db(transaction=True)

TEMPLATES = {
    "reply": {"template_id": "TPL-REPLY", "page": "pages/chat/index", "data": {"thing1": "agent_name", "thing2": "text", "time3": "time"}},
    "rate_request": {"template_id": "TPL-RATE", "page": "pages/chat/index?rate=1", "data": {"thing1": "notice", "phrase2": "=待评价"}},
}


@pytest.fixture
def wechat(settings):
    fake = FakeWeChat()
    settings.CSBOT_WX_APPID, settings.CSBOT_WX_SECRET = fake.appid, fake.secret
    settings.CSBOT_WX_API_BASE = fake.base_url
    settings.CSBOT_WX_TIMEOUT_S = 2.0
    settings.CSBOT_WX_NOTIFY_TEMPLATES = json.loads(json.dumps(TEMPLATES))
    settings.CSBOT_NOTIFY_AFTER_S = 0
    settings.REDIS_URL = ""
    wx_token._by_loop.clear()
    presence._local.clear()
    yield fake
    fake.close()


def agent_conversation(openid="o-away"):
    customer, token = make_customer(openid)
    conversation = record_customer_message(customer=customer, client_msg_id="c-1", text="my cup arrived broken").message.conversation
    agent = get_user_model().objects.create_user(f"agent-{openid}")
    take_over(conversation=conversation, agent=agent, agent_name="Ann")
    return customer, token, conversation, agent


def consent(customer, *template_ids):
    return notifications.record_consents(customer_id=customer.pk, template_ids=list(template_ids))


async def send_round():
    return await notifier.send_due("test-worker")


async def test_subscriptions_endpoint_stores_one_consent_per_accepted_known_template(wechat):
    customer, token = await sync_to_async(make_customer)("o-sub")
    client = AsyncClient()
    auth = {"Authorization": f"Bearer {token}"}

    async def post(body, headers=auth):
        return await client.post("/api/wx/subscriptions", data=json.dumps(body), content_type="application/json", headers=headers)

    assert (await post({"template_ids": ["TPL-REPLY"]}, headers={})).status_code == 401
    for bad in ({}, {"template_ids": "TPL-REPLY"}, {"template_ids": []}, {"template_ids": [7]}, {"template_ids": ["x"] * 11}):
        response = await post(bad)
        assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    response = await post({"template_ids": ["TPL-REPLY", "TPL-RATE", "TPL-UNKNOWN", "TPL-REPLY"]})
    assert response.status_code == 200 and response.json() == {"accepted": 3}
    rows = await sync_to_async(list)(SubscriptionConsent.objects.filter(customer=customer).values_list("template_id", flat=True))
    assert sorted(rows) == ["TPL-RATE", "TPL-REPLY", "TPL-REPLY"]


async def test_agent_reply_to_an_absent_customer_sends_one_message_per_consent_without_the_text(wechat):
    customer, _, conversation, agent = await sync_to_async(agent_conversation)()
    await sync_to_async(consent)(customer, "TPL-REPLY")
    for text in ("we will send a new cup", "and a refund"):
        await sync_to_async(send_agent_reply)(conversation=conversation, agent=agent, text=text, agent_name="Ann")
    assert await send_round() == 1
    assert len(wechat.sends) == 1
    sent = wechat.sends[0]
    assert sent["touser"] == "o-away" and sent["template_id"] == "TPL-REPLY" and sent["page"] == "pages/chat/index"
    assert sent["data"]["thing1"] == {"value": "Ann"}
    # The template does not allow the text: the notice stands in for it.
    assert "refund" not in json.dumps(sent, ensure_ascii=False)
    assert sent["data"]["thing2"]["value"] == "您有一条新的客服消息"
    row = await Notification.objects.aget()
    assert row.state == "sent" and row.seq == 3
    # The one consent is spent: a later reply sends nothing.
    await sync_to_async(send_agent_reply)(conversation=conversation, agent=agent, text="anything else?", agent_name="Ann")
    assert await Notification.objects.filter(state="pending").acount() == 0
    assert await send_round() == 0 and len(wechat.sends) == 1


async def test_the_text_goes_only_where_the_template_allows_it(wechat, settings):
    settings.CSBOT_WX_NOTIFY_TEMPLATES["reply"]["text_allowed"] = True
    customer, _, conversation, agent = await sync_to_async(agent_conversation)()
    await sync_to_async(consent)(customer, "TPL-REPLY")
    await sync_to_async(send_agent_reply)(conversation=conversation, agent=agent, text="a new cup ships today from Hangzhou", agent_name="Ann")
    await send_round()
    # WeChat's thing fields hold 20 characters.
    assert wechat.sends[0]["data"]["thing2"]["value"] == "a new cup ships toda"[:19] + "…"


async def test_nothing_is_sent_when_the_customer_read_it_or_is_online_and_the_consent_stays(wechat):
    customer, _, conversation, agent = await sync_to_async(agent_conversation)()
    await sync_to_async(consent)(customer, "TPL-REPLY")
    message = await sync_to_async(send_agent_reply)(conversation=conversation, agent=agent, text="done", agent_name="Ann")
    await sync_to_async(mark_read)(conversation=conversation, seq=message.seq, reader=SenderKind.CUSTOMER)
    await send_round()
    assert (await Notification.objects.aget()).outcome == "read"
    await sync_to_async(send_agent_reply)(conversation=conversation, agent=agent, text="again", agent_name="Ann")
    await presence.online([(customer.pk, "socket-1")])
    await send_round()
    assert await Notification.objects.filter(outcome="online").acount() == 1
    assert wechat.sends == []
    assert await SubscriptionConsent.objects.filter(used_at__isnull=True).acount() == 1


async def test_no_notification_before_notify_after_s(wechat, settings):
    settings.CSBOT_NOTIFY_AFTER_S = 60
    customer, _, conversation, agent = await sync_to_async(agent_conversation)()
    await sync_to_async(consent)(customer, "TPL-REPLY")
    await sync_to_async(send_agent_reply)(conversation=conversation, agent=agent, text="done", agent_name="Ann")
    assert await send_round() == 0
    await Notification.objects.aupdate(due_at=timezone.now() - timedelta(seconds=1))
    assert await send_round() == 1 and len(wechat.sends) == 1


async def test_bot_answers_notify_only_when_configured(wechat, settings):
    customer, _ = await sync_to_async(make_customer)("o-bot")
    conversation = (await sync_to_async(record_customer_message)(customer=customer, client_msg_id="c-1", text="hi")).message.conversation
    await sync_to_async(consent)(customer, "TPL-REPLY")
    await sync_to_async(post_bot_reply)(conversation=conversation, text="hello from the bot")
    assert await Notification.objects.acount() == 0
    settings.CSBOT_NOTIFY_BOT = True
    await sync_to_async(post_bot_reply)(conversation=conversation, text="and again")
    assert await send_round() == 1 and len(wechat.sends) == 1


async def test_closing_asks_for_a_rating_through_its_own_template(wechat):
    customer, _, conversation, agent = await sync_to_async(agent_conversation)()
    await sync_to_async(consent)(customer, "TPL-RATE")
    await sync_to_async(close_conversation)(conversation=conversation, actor=SenderKind.AGENT, actor_user=agent)
    assert await send_round() == 1
    assert [s["template_id"] for s in wechat.sends] == ["TPL-RATE"]
    assert wechat.sends[0]["data"] == {"thing1": {"value": "您有一条新的客服消息"}, "phrase2": {"value": "待评价"}}


async def test_token_is_fetched_once_and_refreshed_on_40001(wechat):
    customers = []
    for n in range(3):
        customer, _, conversation, agent = await sync_to_async(agent_conversation)(f"o-tok-{n}")
        await sync_to_async(consent)(customer, "TPL-REPLY")
        await sync_to_async(send_agent_reply)(conversation=conversation, agent=agent, text="x", agent_name="Ann")
        customers.append(customer)
    assert await send_round() == 3
    assert wechat.tokens_issued == ["token-1"] and len(wechat.sends) == 3
    # WeChat voids the token: one 40001, one new token, and the message still goes once.
    wechat.expire_next_send = True
    customer, _, conversation, agent = await sync_to_async(agent_conversation)("o-tok-late")
    await sync_to_async(consent)(customer, "TPL-REPLY")
    await sync_to_async(send_agent_reply)(conversation=conversation, agent=agent, text="x", agent_name="Ann")
    assert await send_round() == 1
    assert wechat.send_errors == [40001] and wechat.tokens_issued == ["token-1", "token-2"]
    assert [s["touser"] for s in wechat.sends].count("o-tok-late") == 1


async def test_an_unreachable_wechat_gives_the_consent_back_for_a_later_try(wechat, settings):
    customer, _, conversation, agent = await sync_to_async(agent_conversation)()
    await sync_to_async(consent)(customer, "TPL-REPLY")
    await sync_to_async(send_agent_reply)(conversation=conversation, agent=agent, text="x", agent_name="Ann")
    settings.CSBOT_WX_API_BASE = "http://127.0.0.1:9"  # nothing listens
    await send_round()
    row = await Notification.objects.aget()
    assert row.state == "pending" and row.due_at > timezone.now()
    assert await SubscriptionConsent.objects.filter(used_at__isnull=True).acount() == 1
    settings.CSBOT_WX_API_BASE = wechat.base_url
    await Notification.objects.aupdate(due_at=timezone.now())
    await send_round()
    assert len(wechat.sends) == 1


async def test_racing_claims_hand_each_row_to_one_worker(wechat):
    for n in range(6):
        customer, _, conversation, agent = await sync_to_async(agent_conversation)(f"o-race-{n}")
        await sync_to_async(consent)(customer, "TPL-REPLY")
        await sync_to_async(send_agent_reply)(conversation=conversation, agent=agent, text="x", agent_name="Ann")
    rounds = await asyncio.gather(*(notifier.send_due(f"w-{n}") for n in range(4)))
    assert sum(rounds) == 6 and len(wechat.sends) == 6
    assert len({s["touser"] for s in wechat.sends}) == 6


async def test_instances_share_one_token_through_redis(wechat, settings, redis_url):
    import redis.asyncio as aioredis

    settings.REDIS_URL = redis_url
    prefix = "csbot-test-token"
    wechat.token_delay = 0.3  # every instance misses the key while the first fetch is under way
    client = aioredis.Redis.from_url(redis_url)
    await client.delete(f"{prefix}:wx:access_token")
    sources = [wx_token.RedisTokens(aioredis.Redis.from_url(redis_url), prefix) for _ in range(5)]
    got = await asyncio.gather(*(s.get() for s in sources))
    assert set(got) == {"token-1"} and wechat.tokens_issued == ["token-1"]
    # Kept for less than WeChat's lifetime, so it is fetched again before WeChat voids it.
    ttl = await client.ttl(f"{prefix}:wx:access_token")
    assert 7200 - settings.CSBOT_WX_TOKEN_MARGIN_S - 5 <= ttl <= 7200 - settings.CSBOT_WX_TOKEN_MARGIN_S
    # A stale instance dropping a token that was replaced already voids nothing.
    await sources[0].invalidate("token-0")
    assert await sources[1].get() == "token-1"
    await sources[0].invalidate("token-1")
    assert await sources[2].get() == "token-2" and len(wechat.tokens_issued) == 2
    await client.delete(f"{prefix}:wx:access_token")


async def test_a_claim_left_by_a_dead_instance_is_closed_never_sent_again(wechat):
    customer, _, conversation, agent = await sync_to_async(agent_conversation)()
    await sync_to_async(consent)(customer, "TPL-REPLY")
    await sync_to_async(send_agent_reply)(conversation=conversation, agent=agent, text="x", agent_name="Ann")
    claimed = await sync_to_async(notifications.claim_due)(worker="dead-instance")
    assert len(claimed) == 1
    await Notification.objects.aupdate(claimed_at=timezone.now() - timedelta(minutes=6))
    assert await send_round() == 0
    row = await Notification.objects.aget()
    assert (row.state, row.outcome) == ("failed", "abandoned") and wechat.sends == []
