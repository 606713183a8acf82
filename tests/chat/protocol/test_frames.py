"""Decision tables for client frame validation: what closes the socket and what does not."""

import pytest

from chat.protocol.errors import CloseCode, ErrorCode, ProtocolError
from chat.protocol.frames import validate_client_frame

FATAL = CloseCode.PROTOCOL_ERROR

REJECTED = [
    # Not a frame at all.
    ([], ErrorCode.BAD_FRAME, FATAL),
    ("ping", ErrorCode.BAD_FRAME, FATAL),
    ({}, ErrorCode.BAD_FRAME, FATAL),
    ({"type": 1}, ErrorCode.BAD_FRAME, FATAL),
    ({"type": None}, ErrorCode.BAD_FRAME, FATAL),
    ({"type": "welcome"}, ErrorCode.UNKNOWN_TYPE, FATAL),
    ({"type": "Ping"}, ErrorCode.UNKNOWN_TYPE, FATAL),
    # hello
    ({"type": "hello", "platform": "ios"}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "hello", "device_id": 7, "platform": "ios"}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "hello", "device_id": "d" * 129, "platform": "ios"}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "hello", "device_id": "d", "platform": "ios", "compress": "snappy"}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "hello", "device_id": "d", "platform": "ios", "compress": [1]}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "hello", "device_id": "d", "platform": "ios", "resume": "10233:4"}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "hello", "device_id": "d", "platform": "ios", "resume": {"conversation_id": "1"}},
     ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "hello", "device_id": "d", "platform": "ios", "resume": {"conversation_id": [], "last_seq": 1}},
     ErrorCode.INVALID_FIELD, FATAL),
    # message: wrong types close, wrong content does not.
    ({"type": "message", "client_msg_id": 5, "text": "hi"}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "message", "client_msg_id": "c1"}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "message", "client_msg_id": "c1", "text": ["hi"]}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "message", "client_msg_id": "c1", "text": "x" * 4001}, ErrorCode.TEXT_TOO_LONG, None),
    ({"type": "message", "client_msg_id": "c1", "text": "退" * 4001}, ErrorCode.TEXT_TOO_LONG, None),
    ({"type": "message", "client_msg_id": "c1", "text": ""}, ErrorCode.TEXT_EMPTY, None),
    ({"type": "message", "client_msg_id": "c1", "text": " \n\t"}, ErrorCode.TEXT_EMPTY, None),
    ({"type": "message", "client_msg_id": "", "text": "hi"}, ErrorCode.INVALID_CLIENT_MSG_ID, None),
    ({"type": "message", "client_msg_id": "c" * 65, "text": "hi"}, ErrorCode.INVALID_CLIENT_MSG_ID, None),
    ({"type": "message", "client_msg_id": "订单1", "text": "hi"}, ErrorCode.INVALID_CLIENT_MSG_ID, None),
    ({"type": "message", "client_msg_id": "a b", "text": "hi"}, ErrorCode.INVALID_CLIENT_MSG_ID, None),
    ({"type": "message", "client_msg_id": "c1\n", "text": "hi"}, ErrorCode.INVALID_CLIENT_MSG_ID, None),
    ({"type": "message", "client_msg_id": "c1", "text": "a\x00b"}, ErrorCode.TEXT_INVALID, None),
    ({"type": "message", "client_msg_id": "c1", "text": "a\ud800b"}, ErrorCode.TEXT_INVALID, None),
    ({"type": "message", "client_msg_id": "c1", "text": "\udfff"}, ErrorCode.TEXT_INVALID, None),
    # Every other string a client sends is held to the same rule.
    ({"type": "hello", "device_id": "d\x00", "platform": "ios"}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "hello", "device_id": "d", "platform": "ios", "app_version": "\ud83d"}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "handoff", "reason": "\x00"}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "rate", "score": 5, "comment": "ok\udc80"}, ErrorCode.INVALID_FIELD, FATAL),
    # ping, read, history
    ({"type": "ping", "ts": "now"}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "ping", "ts": True}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "read"}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "read", "seq": "3"}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "read", "seq": 3.0}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "read", "seq": True}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "read", "seq": -1}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "read", "seq": 2**31}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "read", "seq": 10**30}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "history", "before_seq": 2**31, "limit": 10}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "hello", "device_id": "d", "platform": "ios", "resume": {"conversation_id": "1", "last_seq": 2**31}},
     ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "ping", "ts": float("nan")}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "ping", "ts": float("inf")}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "ping", "ts": -float("inf")}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "ping", "ts": 2**63}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "history", "limit": 10}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "history", "before_seq": 10, "limit": 0}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "history", "before_seq": 10, "limit": 101}, ErrorCode.INVALID_FIELD, FATAL),
    # handoff, rate
    ({"type": "handoff", "reason": 3}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "handoff", "reason": "r" * 201}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "rate"}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "rate", "score": "5"}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "rate", "score": True}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "rate", "score": 5, "comment": 5}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "rate", "score": 5, "conversation_id": 1.5}, ErrorCode.INVALID_FIELD, FATAL),
    ({"type": "rate", "score": 0}, ErrorCode.INVALID_SCORE, None),
    ({"type": "rate", "score": 6}, ErrorCode.INVALID_SCORE, None),
]

ACCEPTED = [
    ({"type": "hello", "device_id": "d1", "platform": "ios"},
     {"device_id": "d1", "platform": "ios", "app_version": "", "compress": []}),
    ({"type": "hello", "device_id": "d1", "platform": "web", "compress": ["snappy", "brotli"],
      "resume": {"conversation_id": "10233", "last_seq": 0}},
     {"device_id": "d1", "platform": "web", "app_version": "", "compress": ["snappy"],
      "resume": {"conversation_id": 10233, "last_seq": 0}}),
    ({"type": "hello", "device_id": "d1", "platform": "web", "resume": {"conversation_id": "c-9", "last_seq": 2}},
     {"device_id": "d1", "platform": "web", "app_version": "", "compress": [],
      "resume": {"conversation_id": None, "last_seq": 2}}),
    ({"type": "message", "client_msg_id": "c-1767225600123-1", "text": "我要退货"},
     {"client_msg_id": "c-1767225600123-1", "text": "我要退货"}),
    ({"type": "message", "client_msg_id": "c" * 64, "text": "x" * 4000}, {"client_msg_id": "c" * 64, "text": "x" * 4000}),
    ({"type": "ping"}, {"ts": None}),
    ({"type": "ping", "ts": 0}, {"ts": 0}),
    ({"type": "read", "seq": 0}, {"seq": 0}),
    ({"type": "read", "seq": 2**31 - 1}, {"seq": 2**31 - 1}),
    ({"type": "ping", "ts": 1767225600123}, {"ts": 1767225600123}),
    ({"type": "ping", "ts": 1.5}, {"ts": 1.5}),
    ({"type": "message", "client_msg_id": "c1", "text": "表情 \U0001f600 ok\tline\nnext"},
     {"client_msg_id": "c1", "text": "表情 \U0001f600 ok\tline\nnext"}),
    # Ids that name nothing are well-formed: the resume is simply not honoured.
    ({"type": "hello", "device_id": "d1", "platform": "web", "resume": {"conversation_id": "²", "last_seq": 2}},
     {"device_id": "d1", "platform": "web", "app_version": "", "compress": [],
      "resume": {"conversation_id": None, "last_seq": 2}}),
    ({"type": "hello", "device_id": "d1", "platform": "web", "resume": {"conversation_id": "٣", "last_seq": 2}},
     {"device_id": "d1", "platform": "web", "app_version": "", "compress": [],
      "resume": {"conversation_id": None, "last_seq": 2}}),
    ({"type": "rate", "score": 3, "conversation_id": "9" * 19}, {"score": 3, "comment": "", "conversation_id": None}),
    ({"type": "rate", "score": 3, "conversation_id": 2**64}, {"score": 3, "comment": "", "conversation_id": None}),
    ({"type": "typing", "extra": 1}, {}),
    ({"type": "handoff"}, {"reason": ""}),
    ({"type": "rate", "score": 3, "conversation_id": "77"}, {"score": 3, "comment": "", "conversation_id": 77}),
    ({"type": "history", "before_seq": 0, "limit": 100}, {"before_seq": 0, "limit": 100}),
]


@pytest.mark.parametrize("frame, code, close_code", REJECTED)
def test_rejected_client_frames(frame, code, close_code):
    with pytest.raises(ProtocolError) as info:
        validate_client_frame(frame)
    assert (info.value.code, info.value.close_code) == (code, close_code)


@pytest.mark.parametrize("frame, fields", ACCEPTED)
def test_accepted_client_frames(frame, fields):
    assert validate_client_frame(frame) == (frame["type"], fields)


def test_soft_errors_echo_the_client_msg_id_in_the_error_frame():
    with pytest.raises(ProtocolError) as info:
        validate_client_frame({"type": "message", "client_msg_id": "c-9", "text": "长" * 4001})
    assert info.value.frame() == {
        "type": "error", "code": "text_too_long", "message": "text is longer than 4000 characters", "client_msg_id": "c-9",
    }


# --- pictures (v1.1) ---------------------------------------------------------


@pytest.mark.parametrize("frame, fields", [
    ({"client_msg_id": "p1", "media_id": "41"}, {"client_msg_id": "p1", "text": "", "media_id": 41}),
    ({"client_msg_id": "p1", "media_id": 41, "text": "看"}, {"client_msg_id": "p1", "text": "看", "media_id": 41}),
    ({"client_msg_id": "p1", "media_id": "41", "text": "  "}, {"client_msg_id": "p1", "text": "  ", "media_id": 41}),
    # Well-formed but naming nothing: looked up, then answered not_found.
    ({"client_msg_id": "p1", "media_id": "99999999999999999999"}, {"client_msg_id": "p1", "text": "", "media_id": -1}),
    ({"client_msg_id": "p1", "media_id": "abc"}, {"client_msg_id": "p1", "text": "", "media_id": -1}),
])
def test_a_message_with_a_picture_needs_no_words(frame, fields):
    assert validate_client_frame({"type": "message", **frame}) == ("message", fields)


@pytest.mark.parametrize("media_id", [True, 4.5, ["41"], {"id": 41}])
def test_a_media_id_of_the_wrong_type_is_a_protocol_error(media_id):
    with pytest.raises(ProtocolError) as error:
        validate_client_frame({"type": "message", "client_msg_id": "p1", "media_id": media_id})
    assert (error.value.code, error.value.close_code) == (ErrorCode.INVALID_FIELD, CloseCode.PROTOCOL_ERROR)


def test_a_very_long_media_id_is_not_found_and_the_socket_stays():
    with pytest.raises(ProtocolError) as error:
        validate_client_frame({"type": "message", "client_msg_id": "p1", "media_id": "9" * 300})
    assert (error.value.code, error.value.close_code, error.value.client_msg_id) == (ErrorCode.NOT_FOUND, None, "p1")


def test_words_beside_a_picture_keep_the_text_limits():
    with pytest.raises(ProtocolError) as error:
        validate_client_frame({"type": "message", "client_msg_id": "p1", "media_id": "1", "text": "x" * 4001})
    assert error.value.code == ErrorCode.TEXT_TOO_LONG
    with pytest.raises(ProtocolError) as error:
        validate_client_frame({"type": "message", "client_msg_id": "p1", "media_id": "1", "text": "\x00"})
    assert error.value.code == ErrorCode.TEXT_INVALID
