"""JSON log lines: the socket's connect and close fields, and no secrets unless DEBUG."""

import asyncio
import json
import logging

import pytest

from chat.observability.logs import JsonFormatter, logging_config
from tests.chat.helpers import Socket, make_customer

pytestmark = pytest.mark.django_db(transaction=True)


def record(msg="something happened", **extra):
    rec = logging.LogRecord("chat.consumers", logging.INFO, __file__, 1, msg, (), None)
    rec.__dict__.update(extra)
    return rec


def test_json_line_carries_instance_and_extra_fields():
    line = json.loads(JsonFormatter(instance="web-2").format(
        record("socket closed", event="close", customer=7, device="d1", code=4408, duration_s=12.5)
    ))
    assert line["instance"] == "web-2"
    assert line["msg"] == "socket closed"
    assert (line["event"], line["customer"], line["device"], line["code"], line["duration_s"]) == ("close", 7, "d1", 4408, 12.5)
    assert line["level"] == "INFO" and line["logger"] == "chat.consumers" and line["ts"].endswith("Z")


def test_secrets_and_message_text_are_redacted():
    secrets = {"token": "tok-abc123", "openid": "oid-secret", "session_key": "sk-secret", "text": "my card is 4111"}
    msg = "auth failed for /ws/chat/?token=tok-query Authorization: Bearer tok-header body {\"text\": \"private words\"}"
    output = JsonFormatter(instance="web-1", redact=True).format(record(msg, **secrets))
    for secret in ("tok-abc123", "oid-secret", "sk-secret", "4111", "tok-query", "tok-header", "private words"):
        assert secret not in output
    line = json.loads(output)
    assert line["token"] == line["openid"] == line["session_key"] == line["text"] == "[redacted]"


def test_debug_keeps_fields_for_the_developer():
    output = JsonFormatter(redact=False).format(record("token=visible", token="tok-abc123", text="hello"))
    assert "tok-abc123" in output and "token=visible" in output and "hello" in output


def test_exceptions_are_one_line_and_scrubbed():
    try:
        raise ValueError("bad ?token=tok-in-traceback")
    except ValueError:
        rec = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), __import__("sys").exc_info())
    output = JsonFormatter().format(rec)
    assert "\n" not in output
    assert "tok-in-traceback" not in output and "ValueError" in json.loads(output)["exc"]


def test_logging_config_selects_the_formatter():
    config = logging_config(log_format="json", level="INFO", instance="web-3", redact=True)
    assert config["handlers"]["console"]["formatter"] == "json"
    assert config["formatters"]["json"]["instance"] == "web-3"


async def test_socket_session_logs_connect_and_close_without_secrets(caplog):
    customer, token = await asyncio.to_thread(make_customer, "o-logged-openid")
    formatter = JsonFormatter(instance="web-9")
    caplog.set_level(logging.INFO, logger="chat.consumers")
    socket = Socket(token)
    await socket.open()
    await socket.hello()
    await socket.send({"type": "message", "client_msg_id": "m1", "text": "private question"})
    await socket.expect("ack")
    await socket.close()
    await asyncio.sleep(0.05)
    lines = [json.loads(formatter.format(r)) for r in caplog.records if r.name == "chat.consumers"]
    by_event = {line.get("event"): line for line in lines}
    assert by_event["connect"]["customer"] == customer.pk and by_event["connect"]["device"] == "dev-1"
    closed = by_event["close"]
    assert closed["instance"] == "web-9" and closed["customer"] == customer.pk and closed["code"] == 1000
    assert closed["duration_s"] >= 0
    dump = json.dumps(lines)
    assert token not in dump and "o-logged-openid" not in dump and "private question" not in dump


def test_credentials_in_a_logged_url_are_scrubbed():
    from chat.observability.logs import scrub

    line = scrub("HTTP Request: GET https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=wx1"
                 "&secret=s3cr3t and POST /cgi-bin/message/subscribe/send?access_token=tok-9 /sns?js_code=c0de")
    assert "s3cr3t" not in line and "tok-9" not in line and "c0de" not in line and "appid=wx1" in line
