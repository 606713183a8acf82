"""No credential in any log line of a real server, whichever library writes it."""

import time

import httpx
import pytest

from chat.observability import logs
from tests.fakes.wechat_server import FakeWeChat
from tests.support.servers import Daphne, Database

pytestmark = pytest.mark.e2e

SECRET = "wx-app-secret-7f3a9c"
CODE = "good-quokka-4471"


@pytest.fixture
def wechat():
    fake = FakeWeChat(secret=SECRET)
    yield fake
    fake.close()


@pytest.fixture
def database():
    database = Database("sqlite")
    yield database
    database.drop()


@pytest.mark.parametrize("log_format", ["json", "plain"])
def test_wx_login_writes_neither_the_app_secret_nor_the_code_to_the_log(wechat, database, log_format):
    server = Daphne(
        database, LOG_LEVEL="INFO", CSBOT_LOG_FORMAT=log_format, CSBOT_WX_APPID=wechat.appid,
        CSBOT_WX_SECRET=SECRET, CSBOT_WX_API_BASE=wechat.base_url,
    )
    try:
        login = {"code": CODE, "device_id": "phone-1", "platform": "ios"}
        answer = httpx.post(f"{server.http}/api/auth/wx-login", json=login, timeout=10)
        assert answer.status_code == 200, answer.text
        token = answer.json()["token"]
        refused = httpx.post(f"{server.http}/api/auth/wx-login", json={**login, "code": "bad-code-9911"}, timeout=10)
        assert refused.status_code == 401
        # The exchange really happened, with the secret and the code on the wire.
        assert [query["js_code"] for _, query in wechat.requests] == [CODE, "bad-code-9911"]
        assert all(query["secret"] == SECRET for _, query in wechat.requests)
        time.sleep(0.5)  # let the process flush its last lines
    finally:
        server.kill()
    output = server.output()
    assert "jscode2session" in output, "the HTTP client's request line is expected at INFO"
    for secret in (SECRET, CODE, "bad-code-9911", token, "sk-quokka-4471-secret"):
        assert secret not in output


def test_the_filter_scrubs_arguments_and_tracebacks_of_any_logger():
    import logging

    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "HTTP Request: %s %s", (
        "GET", "https://api.weixin.qq.com/sns/jscode2session?appid=wx1&secret=S3&js_code=C0DE&grant_type=x"), None)
    try:
        raise RuntimeError("failed with Authorization: Basic dXNlcjpwYXNz and api_key=sk-live-1")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert logs.RedactSecrets().filter(record)
    rendered = logging.Formatter("%(message)s").format(record)
    for secret in ("S3", "C0DE", "dXNlcjpwYXNz", "sk-live-1"):
        assert f"={secret}" not in rendered and f" {secret}" not in rendered
    assert "appid=wx1" in rendered and "grant_type=x" in rendered


@pytest.mark.parametrize("text", [
    "Authorization: Bearer tok.en", '{"access_token": "at-1"}', "x-api-key: k-1", "?session_key=sk&a=1",
])
def test_scrub_covers_headers_json_fields_and_query_parameters(text):
    assert not any(value in logs.scrub(text) for value in ("tok.en", "at-1", "k-1", "=sk&"))


@pytest.mark.parametrize("log_format", ["json", "plain"])
def test_the_access_log_goes_through_the_filter_and_drops_tokens_from_query_strings(database, log_format):
    token = "qs-token-5521-quokka"
    server = Daphne(database, LOG_LEVEL="INFO", CSBOT_LOG_FORMAT=log_format)
    try:
        answer = httpx.get(f"{server.http}/api/chat/poll?token={token}&after_seq=0", timeout=10)
        assert answer.status_code == 401
        time.sleep(0.5)  # let the process flush its last lines
    finally:
        server.kill()
    output = server.output()
    access = [line for line in output.splitlines() if "csbot.access" in line and "/api/chat/poll" in line]
    assert access, "one access line for the request"
    assert "token=[redacted]" in access[0] and "401" in access[0]
    assert token not in output
