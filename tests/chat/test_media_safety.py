"""Content safety on pictures: a checker that answers at once refuses with 422; WeChat's answers later, by push."""

import hashlib
import json

import pytest
from channels.db import database_sync_to_async
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import AsyncClient

from chat import safety, wx_token
from chat.models import Media, Message
from chat.safety import Verdict
from tests.fakes.wechat_server import FakeWeChat
from tests.support import pictures

from .helpers import Socket, make_customer

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


class RefusesRedPictures:
    """A deployment's own checker: answers at once, and refuses mostly-red pictures."""

    async def check_text(self, *, text, customer_id):
        return Verdict.PASS

    async def check_image(self, *, media, customer_id):
        from PIL import Image

        with default_storage.open(media.thumb_name, "rb") as handle:
            red, green, blue = Image.open(handle).convert("RGB").getpixel((0, 0))
        return Verdict.REFUSED if red > 150 and green < 100 else Verdict.PASS


class Broken:
    async def check_text(self, *, text, customer_id):
        return Verdict.PASS

    async def check_image(self, *, media, customer_id):
        raise RuntimeError("down")


def upload(client, token, data):
    return client.post("/api/chat/media", {"file": ContentFile(data, name="p.jpg")},
                       headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def own_checker(settings):
    settings.CSBOT_CONTENT_CHECK = True
    settings.CSBOT_CONTENT_CHECKER = f"{__name__}.RefusesRedPictures"
    safety._checker = None
    yield
    safety._checker = None


async def test_a_picture_refused_at_once_is_422_and_leaves_no_file(own_checker):
    _, token = await db(make_customer)("o-red")
    client = AsyncClient()
    response = await upload(client, token, pictures.jpeg_with_location(color=(220, 20, 20)))
    assert (response.status_code, response.json()["error"]) == (422, "rejected")
    row = await Media.objects.aget()
    assert row.refused and not default_storage.exists(row.name) and not default_storage.exists(row.thumb_name)
    # A message naming it is refused too, and never delivered.
    socket = Socket(token)
    await socket.open()
    await socket.hello()
    await socket.send({"type": "message", "client_msg_id": "r-1", "media_id": str(row.pk)})
    assert (await socket.expect("error"))["code"] == "rejected"
    await socket.close()
    assert (await Message.objects.aget(client_msg_id="r-1")).refused
    ok = await upload(client, token, pictures.jpeg_with_location(color=(20, 20, 220)))
    assert ok.status_code == 200


async def test_a_failing_picture_check_lets_the_picture_through(settings):
    settings.CSBOT_CONTENT_CHECK = True
    settings.CSBOT_CONTENT_CHECKER = f"{__name__}.Broken"
    safety._checker = None
    _, token = await db(make_customer)("o-broken")
    assert (await upload(AsyncClient(), token, pictures.png())).status_code == 200
    safety._checker = None


@pytest.fixture
def wechat(settings):
    fake = FakeWeChat()
    settings.CSBOT_WX_APPID, settings.CSBOT_WX_SECRET = fake.appid, fake.secret
    settings.CSBOT_WX_API_BASE = fake.base_url
    settings.CSBOT_CONTENT_CHECK = True
    settings.CSBOT_CONTENT_CHECKER = "chat.safety.WeChatTextChecker"
    settings.CSBOT_PUBLIC_BASE_URL = "https://cs.example.com"
    settings.CSBOT_WX_PUSH_TOKEN = "push-token"
    settings.REDIS_URL = ""
    wx_token._by_loop.clear()
    safety._checker = None
    yield fake
    fake.close()
    safety._checker = None


def signed_query(token="push-token", timestamp="1767225600", nonce="n1"):
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return f"signature={signature}&timestamp={timestamp}&nonce={nonce}"


async def test_wechat_checks_a_picture_later_and_a_risky_verdict_withdraws_it(wechat):
    _, token = await db(make_customer)("o-wx-pic")
    client = AsyncClient()
    answer = await upload(client, token, pictures.png())
    assert answer.status_code == 200  # mediaCheckAsync gives no verdict now: the picture goes through
    submitted = wechat.media_checks[0]
    assert submitted["media_url"].startswith("https://cs.example.com/api/chat/media/file/")
    assert (submitted["media_type"], submitted["version"], submitted["openid"]) == (2, 2, "o-wx-pic")
    row = await Media.objects.aget(pk=int(answer.json()["media_id"]))
    assert row.check_trace == "trace-1"
    # WeChat can fetch what it was given: the URL is signed.
    fetched = await client.get(submitted["media_url"].removeprefix("https://cs.example.com"))
    assert fetched.status_code == 200
    # A push without the right signature changes nothing.
    push = {"Event": "wxa_media_check", "trace_id": "trace-1", "result": {"suggest": "risky", "label": 20002}}
    bad = await client.post("/api/wx/media-check?" + signed_query(token="wrong"), data=json.dumps(push),
                            content_type="application/json")
    assert bad.status_code == 403 and not (await Media.objects.aget(pk=row.pk)).refused
    good = await client.post("/api/wx/media-check?" + signed_query(), data=json.dumps(push),
                             content_type="application/json")
    assert good.status_code == 200
    row = await Media.objects.aget(pk=row.pk)
    assert row.refused and not default_storage.exists(row.name)
    assert (await client.get(answer.json()["url"])).status_code == 404


async def test_the_push_url_check_echoes_only_when_signed(wechat):
    client = AsyncClient()
    assert (await client.get("/api/wx/media-check?" + signed_query() + "&echostr=abc")).content == b"abc"
    assert (await client.get("/api/wx/media-check?echostr=abc")).status_code == 403
