"""Hostile input on the customer socket: each gets its contract answer, never 1011 or a traceback."""

import json
import logging

import pytest
from channels.db import database_sync_to_async
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chat.models import Message

from .helpers import Socket, make_customer

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async

DEEP = '{"type":"ping","x":' + "[" * 20_000 + "]" * 20_000 + "}"

FATAL_INPUT = [
    (DEEP, "bad_frame"),
    ('{"type":"ping","ts":NaN}', "bad_frame"),
    ('{"type":"ping","ts":1e400}', "bad_frame"),
    (json.dumps({"type": "read", "seq": 2**31}), "invalid_field"),
    (json.dumps({"type": "read", "seq": -1}), "invalid_field"),
    (json.dumps({"type": "read", "seq": 10**40}), "invalid_field"),
    (json.dumps({"type": "history", "before_seq": 2**40, "limit": 5}), "invalid_field"),
    (json.dumps({"type": "rate", "score": 5, "comment": "\x00"}), "invalid_field"),
    (json.dumps({"type": "handoff", "reason": "\ud800"}), "invalid_field"),
]
SOFT_INPUT = [
    (json.dumps({"type": "message", "client_msg_id": "m1", "text": "a\x00b"}), "text_invalid"),
    (json.dumps({"type": "message", "client_msg_id": "m1", "text": "lone \ud83d"}), "text_invalid"),
    (json.dumps({"type": "message", "client_msg_id": "m1\n", "text": "hi"}), "invalid_client_msg_id"),
]


@pytest.fixture
def token():
    return make_customer()[1]


def no_errors_logged(caplog):
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [r.getMessage() for r in bad]


@pytest.mark.parametrize("payload, code", FATAL_INPUT)
async def test_malformed_frames_close_4400_without_a_traceback(token, caplog, payload, code):
    socket = Socket(token)
    await socket.open()
    await socket.hello()
    await socket.comm.send_to(text_data=payload)
    error = await socket.recv()
    assert (error["type"], error["code"]) == ("error", code)
    assert await socket.recv() == {"type": "__closed__", "code": 4400}
    assert await db(Message.objects.count)() == 0
    no_errors_logged(caplog)


@pytest.mark.parametrize("payload, code", SOFT_INPUT)
async def test_bad_message_content_answers_an_error_and_keeps_the_socket(token, caplog, payload, code):
    socket = Socket(token)
    await socket.open()
    await socket.hello()
    await socket.comm.send_to(text_data=payload)
    error = await socket.recv()
    assert (error["type"], error["code"]) == ("error", code)
    await socket.send({"type": "message", "client_msg_id": "m2", "text": "still here"})
    assert (await socket.expect("ack"))["seq"] == 1
    assert await db(Message.objects.count)() == 1
    no_errors_logged(caplog)
    await socket.close()


FIELDS = ["device_id", "platform", "client_msg_id", "text", "ts", "seq", "reason", "score", "comment",
          "conversation_id", "before_seq", "limit", "resume", "compress"]
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    | st.sampled_from(["\x00", "\ud800", "m1\n", "²", "x" * 4001]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(FIELDS), inner, max_size=3),
    max_leaves=8,
)
client_frames = st.fixed_dictionaries(
    {"type": st.sampled_from(["message", "ping", "read", "typing", "handoff", "rate", "history", "hello"])},
    optional={name: values for name in FIELDS},
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(client_frames, min_size=1, max_size=6))
async def test_fuzzed_frames_never_get_a_server_error(token, caplog, frames):
    socket = Socket(token)
    await socket.open()
    await socket.hello()
    for frame in frames:
        await socket.comm.send_to(text_data=json.dumps(frame))
        answers = []
        while not await socket.comm.receive_nothing(0.05):
            answers.append(await socket.recv())
        assert all(a.get("code") not in (1011, "server_error") for a in answers), answers
        if answers and answers[-1]["type"] == "__closed__":
            break
    else:
        await socket.close()
    no_errors_logged(caplog)
