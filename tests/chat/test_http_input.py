"""Hostile HTTP input gets a 4xx with an error code, never a 500, and writes nothing."""

import json
import socket

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from chat.models import Customer, Message
from tests.chat.helpers import make_customer
from tests.fakes.wechat_server import FakeWeChat
from tests.support.servers import Daphne, Database

pytestmark = pytest.mark.django_db(transaction=True)

DEEP = "[" * 20000 + "]" * 20000
DEEP_OBJECT = '{"a":' * 20000 + "1" + "}" * 20000
LOGIN = {"device_id": "phone-1", "platform": "ios"}
# A fixed budget, the same examples on every run.
FUZZ = hsettings(max_examples=150, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture
def wechat(settings):
    fake = FakeWeChat()
    settings.CSBOT_WX_APPID, settings.CSBOT_WX_SECRET, settings.CSBOT_WX_API_BASE = fake.appid, fake.secret, fake.base_url
    yield fake
    fake.close()


@pytest.fixture
def api(settings):
    """A client signed in as a customer, with the dev login on and polls answered at once."""
    settings.CSBOT_DEV_LOGIN = True
    settings.CSBOT_LONGPOLL_MAX_S = 0
    _, token = make_customer()
    return Client(headers={"Authorization": f"Bearer {token}"})


def post(client, path, raw):
    return client.post(path, data=raw, content_type="application/json")


def answered_with(response, status, code=None):
    assert response.status_code == status, response.content[:200]
    body = response.json()
    assert "error" in body and (code is None or body["error"] == code)
    return body


@pytest.mark.parametrize("path", ["/api/auth/wx-login", "/api/auth/dev-login", "/api/chat/messages"])
@pytest.mark.parametrize("raw", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_json_nested_20000_deep_is_a_400_on_every_json_endpoint(api, wechat, path, raw):
    answered_with(post(api, path, raw), 400, "invalid_request")
    assert wechat.requests == []


def test_a_body_over_the_upload_limit_is_a_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    raw = json.dumps({"client_msg_id": "big", "text": "x" * 2000})
    answered_with(post(Client(), "/api/auth/wx-login", raw), 413, "too_large")
    answered_with(post(api, "/api/chat/messages", raw), 413, "too_large")


def test_unauthenticated_wx_login_refuses_deep_json_without_a_token():
    answered_with(post(Client(), "/api/auth/wx-login", DEEP), 400, "invalid_request")


@pytest.mark.parametrize("body", [
    {"client_msg_id": "n1", "text": "nul \x00 inside"},
    {"client_msg_id": "s1", "text": "lone \ud800 surrogate"},
    {"client_msg_id": "m1\n", "text": "trailing newline in the id"},
    {"client_msg_id": "x" * 65, "text": "too long an id"},
    {"client_msg_id": 12, "text": "id not a string"},
])
def test_bad_strings_in_a_message_are_refused_and_nothing_is_stored(api, body):
    raw = json.dumps(body)  # json.dumps writes NUL and lone surrogates as \u escapes, as an attacker would
    assert post(api, "/api/chat/messages", raw).status_code == 400
    assert Message.objects.count() == 0


def test_nan_and_infinity_in_a_body_are_refused(api):
    answered_with(post(api, "/api/chat/messages", '{"client_msg_id": "a", "text": "t", "x": NaN}'), 400, "invalid_field")
    answered_with(post(api, "/api/chat/messages", '{"client_msg_id": "a", "text": "t", "x": 1e400}'), 400, "invalid_field")


def test_a_lone_surrogate_in_a_login_is_refused_and_no_customer_is_created(api):
    raw = json.dumps({"openid": "o-\udfff", **LOGIN})
    answered_with(post(api, "/api/auth/dev-login", raw), 400, "invalid_field")
    assert not Customer.objects.filter(openid__startswith="o-\\").exists()


@pytest.mark.parametrize("query", [
    "timeout=nan", "timeout=inf", "timeout=-inf", "timeout=1e400", "timeout=-1", "timeout=" + "9" * 400,
    "after_seq=2147483648", "after_seq=99999999999999999999", "after_seq=-1", "after_seq=1.5", "after_seq=%00",
    "after_seq=%C2%B2",
])
def test_poll_refuses_numbers_out_of_range_or_not_finite(api, query):
    answered_with(api.get(f"/api/chat/poll?{query}"), 400, "invalid_field")


def test_poll_caps_a_large_finite_timeout(api, settings):
    from django.test import RequestFactory

    from chat.views import poll_args

    settings.CSBOT_LONGPOLL_MAX_S = 30
    assert poll_args(RequestFactory().get("/api/chat/poll?timeout=1e300&after_seq=2147483647")) == (2147483647, 30)
    assert api.get("/api/chat/poll?after_seq=0&timeout=0").status_code == 200


JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
JSON_VALUES = st.recursive(JSON_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
MESSAGE_BODIES = st.fixed_dictionaries({}, optional={"client_msg_id": JSON_VALUES | st.text(max_size=70), "text": JSON_VALUES | st.text(), "x": JSON_VALUES})
LOGIN_BODIES = st.fixed_dictionaries({}, optional={
    "openid": JSON_VALUES | st.text(max_size=130), "code": st.text(max_size=20), "device_id": JSON_VALUES | st.text(max_size=130),
    "platform": st.sampled_from(["ios", "web", "tv"]) | JSON_VALUES, "app_version": JSON_VALUES | st.text(max_size=50),
})


def never_a_server_error(response):
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400 and response.status_code != 404:
        assert "error" in response.json()


@FUZZ
@given(body=MESSAGE_BODIES | JSON_VALUES)
def test_fuzzed_message_bodies_never_give_a_server_error(api, body):
    never_a_server_error(post(api, "/api/chat/messages", json.dumps(body)))


@FUZZ
@given(raw=st.binary(max_size=200))
def test_fuzzed_raw_bytes_never_give_a_server_error(api, raw):
    never_a_server_error(post(api, "/api/chat/messages", raw))
    never_a_server_error(post(api, "/api/auth/dev-login", raw))


@FUZZ
@given(body=LOGIN_BODIES)
def test_fuzzed_login_bodies_never_give_a_server_error(api, body):
    never_a_server_error(post(api, "/api/auth/dev-login", json.dumps(body)))


@FUZZ
@given(after_seq=st.text(max_size=30) | st.integers().map(str), timeout=st.text(max_size=30) | st.floats().map(str))
def test_fuzzed_poll_parameters_never_give_a_server_error(api, after_seq, timeout):
    never_a_server_error(api.get("/api/chat/poll", {"after_seq": after_seq, "timeout": timeout}))


def raw_get(port, target):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


@pytest.mark.e2e
def test_static_paths_that_climb_out_are_404_not_500():
    database = Database("sqlite")
    server = Daphne(database)
    try:
        results = {target: raw_get(server.port, target) for target in (
            "/static/../manage.py", "/static/../../etc/passwd", "/static/%2e%2e/manage.py", "/static/..%2fmanage.py",
            "/static/chat/%00", "/static/%ff", "/api/../static/x", "/static/chat/page/chat.css",
        )}
        server.kill()
        output = server.output()
    finally:
        server.kill()
        database.drop()
    statuses = {target: status for target, (status, _) in results.items()}
    assert statuses.pop("/static/chat/page/chat.css") == 200
    assert all(status in (400, 404) for status in statuses.values()), statuses
    assert not any(b"DJANGO" in data or b"Traceback" in data for _, data in results.values())
    assert "Traceback" not in output


@pytest.mark.parametrize("method, path, host, status, code", [
    ("GET", "/api/chat/messages", b"localhost", 405, "method_not_allowed"),
    ("POST", "/api/chat/poll", b"localhost", 405, "method_not_allowed"),
    ("GET", "/api/no-such-thing", b"localhost", 404, "not_found"),
    ("POST", "/api/auth/dev-login", b"localhost", 404, "not_found"),  # dev login off
    ("GET", "/api/chat/poll", b"evil.example", 400, "invalid_request"),  # Host outside ALLOWED_HOSTS
])
async def test_the_api_stack_answers_every_refusal_in_json(settings, method, path, host, status, code):
    from channels.testing import HttpCommunicator
    from django.core.asgi import get_asgi_application

    from csbot import api_http

    settings.CSBOT_DEV_LOGIN = False
    app = api_http.route(api_http.ApiHandler(), get_asgi_application())
    communicator = HttpCommunicator(app, method, path, body=b"{}", headers=[(b"host", host)])
    response = await communicator.get_response(timeout=10)
    assert response["status"] == status
    assert json.loads(response["body"]) == {"error": code}
