"""Login over HTTP against a local fake WeChat, and the tokens it hands out."""

import json
import logging

import pytest
from django.core import signing

from chat.accounts import read_token
from chat.models import Customer, Device
from tests.fakes.wechat_server import FakeWeChat

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def wechat(settings):
    fake = FakeWeChat(slow_seconds=2.0)
    settings.CSBOT_WX_APPID, settings.CSBOT_WX_SECRET = fake.appid, fake.secret
    settings.CSBOT_WX_API_BASE = fake.base_url
    settings.CSBOT_WX_TIMEOUT_S = 0.5
    yield fake
    fake.close()


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


LOGIN = {"device_id": "phone-1", "platform": "ios"}


def test_wx_login_creates_customer_and_keeps_session_key_server_side(client, wechat, caplog):
    caplog.set_level(logging.DEBUG)
    response = post(client, "/api/auth/wx-login", {"code": "good-amy", **LOGIN})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_in", "customer_id"} and body["expires_in"] == 86400
    customer = Customer.objects.get()
    assert customer.openid == "openid-amy" and customer.session_key == "sk-amy-secret"
    assert str(customer.pk) == body["customer_id"]
    assert Device.objects.filter(customer=customer, device_id="phone-1", platform="ios").exists()
    claims = read_token(body["token"])
    assert (claims.customer_id, claims.device_id) == (customer.pk, "phone-1")
    assert "sk-amy-secret" not in response.content.decode() and "sk-amy-secret" not in caplog.text
    assert body["token"] not in caplog.text
    # Logging in again finds the same customer.
    again = post(client, "/api/auth/wx-login", {"code": "good-amy", **LOGIN}).json()
    assert again["customer_id"] == body["customer_id"] and Customer.objects.count() == 1


@pytest.mark.parametrize("code, status, error", [
    ("bad", 401, "invalid_code"),
    ("slow", 502, "upstream_unavailable"),
    ("busy", 502, "upstream_unavailable"),
    ("boom", 502, "upstream_unavailable"),
])
def test_wx_login_failures(client, wechat, code, status, error):
    response = post(client, "/api/auth/wx-login", {"code": code, **LOGIN})
    assert (response.status_code, response.json()) == (status, {"error": error})
    assert Customer.objects.count() == 0


def test_wx_login_when_wechat_is_unreachable(client, settings):
    settings.CSBOT_WX_API_BASE = "http://127.0.0.1:9"  # discard port: nothing listens
    response = post(client, "/api/auth/wx-login", {"code": "good-x", **LOGIN})
    assert (response.status_code, response.json()) == (502, {"error": "upstream_unavailable"})


@pytest.mark.parametrize("body", [{}, {"code": "good-a"}, {"code": "good-a", "device_id": "d", "platform": "tv"}, {"code": 5, **LOGIN}])
def test_wx_login_rejects_malformed_bodies(client, wechat, body):
    assert post(client, "/api/auth/wx-login", body).status_code == 400
    assert wechat.requests == []


def test_dev_login_only_when_enabled(client, settings):
    settings.CSBOT_DEV_LOGIN = False
    assert post(client, "/api/auth/dev-login", {"openid": "o1", **LOGIN}).status_code == 404
    settings.CSBOT_DEV_LOGIN = True
    response = post(client, "/api/auth/dev-login", {"openid": "o1", **LOGIN})
    assert response.status_code == 200 and read_token(response.json()["token"]).device_id == "phone-1"


def test_tokens_expire_and_cannot_be_forged(client, settings):
    settings.CSBOT_DEV_LOGIN = True
    token = post(client, "/api/auth/dev-login", {"openid": "o1", **LOGIN}).json()["token"]
    assert read_token(token) is not None
    assert read_token(token[:-2] + "xx") is None
    forged = signing.dumps({"c": 1, "d": "phone-1"}, key="not-the-key", salt="csbot.customer-token")
    assert read_token(forged) is None
    settings.CSBOT_TOKEN_TTL_S = -1
    assert read_token(token) is None


@pytest.mark.parametrize("platform", ["windows", "mac", "ohos", "other"])
def test_login_accepts_the_desktop_and_harmonyos_platforms(client, settings, platform):
    settings.CSBOT_DEV_LOGIN = True
    response = post(client, "/api/auth/dev-login", {"openid": "o-" + platform, "device_id": "pc-1", "platform": platform})
    assert response.status_code == 200
    assert Device.objects.filter(device_id="pc-1", platform=platform).exists()
