"""Property-based fuzzing of everything a client can put in a frame, on a fixed budget.

Whatever arrives, decoding and validation either return a frame the server can
store and echo, or raise ProtocolError with the contract's answer: never
another exception (which the socket would turn into 1011).
"""

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chat.protocol.codecs import JsonCodec
from chat.protocol.errors import CloseCode, ErrorCode, ProtocolError
from chat.protocol.frames import CLIENT_TYPES, MAX_ID, MAX_INT32, storable, validate_client_frame
from chat.protocol.proto_codec import ProtoCodec
from chat.protocol.wire import Wire

BUDGET = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ANSWERS = {CloseCode.PROTOCOL_ERROR, CloseCode.TOO_BIG, None}
FIELD_NAMES = ["type", "device_id", "platform", "app_version", "compress", "resume", "client_msg_id", "text",
               "ts", "seq", "reason", "score", "comment", "conversation_id", "before_seq", "limit", "last_seq"]

# Strings that stress storage and encoding: NUL, lone surrogates, newlines, non-BMP, other scripts' digits.
nasty_text = st.text(alphabet=st.sampled_from(
    ["a", "Z", "0", "9", "-", ".", "\n", "\x00", "\ud800", "\udfff", "退", "\U0001f600", "²", "٣", " "]
), max_size=80) | st.text(max_size=80)
numbers = (st.integers() | st.integers(min_value=-3, max_value=3) | st.integers(min_value=2**31 - 2, max_value=2**31 + 2)
           | st.integers(min_value=2**63 - 2, max_value=2**64) | st.floats(allow_nan=True, allow_infinity=True))
scalars = st.none() | st.booleans() | numbers | nasty_text
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(FIELD_NAMES) | st.text(max_size=5), inner, max_size=4), max_leaves=20)
frames = st.fixed_dictionaries(
    {"type": st.sampled_from(sorted(CLIENT_TYPES)) | scalars},
    optional={name: json_values for name in FIELD_NAMES[1:]},
)


def _check_fields(value):
    """Every value that passed validation can be stored and sent back out."""
    if isinstance(value, str):
        assert storable(value)
        value.encode("utf-8")
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, int):
        assert -MAX_ID - 1 <= value <= MAX_ID
    elif isinstance(value, float):
        assert math.isfinite(value)
    elif isinstance(value, list):
        for item in value:
            _check_fields(item)
    elif isinstance(value, dict):
        for item in value.values():
            _check_fields(item)


def _validate(frame):
    try:
        kind, fields = validate_client_frame(frame)
    except ProtocolError as exc:
        assert exc.close_code in ANSWERS
        json.dumps(exc.frame(), allow_nan=False).encode()
        return None
    _check_fields(fields)
    json.dumps(fields, allow_nan=False, ensure_ascii=False).encode()
    return kind, fields


@BUDGET
@given(frames)
def test_validation_returns_storable_fields_or_the_contract_answer(frame):
    result = _validate(frame)
    if result is not None and result[0] in ("read", "history"):
        assert all(0 <= v <= MAX_INT32 for v in result[1].values())


@BUDGET
@given(frames)
def test_json_bodies_decode_and_validate_without_surprises(frame):
    body = json.dumps(frame, ensure_ascii=False).encode("utf-8", "surrogatepass")
    try:
        decoded = JsonCodec().decode(body)
    except ProtocolError as exc:
        assert exc.close_code in ANSWERS
        return
    _validate(decoded)


@BUDGET
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_arbitrary_bytes_are_a_frame_or_a_protocol_error(body):
    for codec in (JsonCodec(), ProtoCodec()):
        wire = Wire(codec, max_frame_bytes=64 * 1024, compress_min_bytes=1024)
        for decode in (lambda codec=codec: codec.decode(body), lambda wire=wire: wire.decode(data=body)):
            try:
                frame = decode()
            except ProtocolError as exc:
                assert exc.close_code in ANSWERS
                continue
            _validate(frame)


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=5_000, max_value=30_000), st.sampled_from([("[", "]"), ('{"a":', "}")]))
def test_deep_nesting_is_a_bad_frame(depth, brackets):
    opener, closer = brackets
    body = ('{"type":"ping","x":' + opener * depth + "1" + closer * depth + "}").encode()
    with pytest.raises(ProtocolError) as info:
        JsonCodec().decode(body)
    assert (info.value.code, info.value.close_code) == (ErrorCode.BAD_FRAME, CloseCode.PROTOCOL_ERROR)


# NaN and Infinity are not JSON; 1e400 is, but no float holds it and it would be echoed as Infinity.
@pytest.mark.parametrize("body", [b'{"type":"ping","ts":NaN}', b'{"type":"ping","ts":Infinity}',
                                  b'{"type":"ping","ts":-Infinity}', b'{"type":"ping","ts":1e400}',
                                  b'{"type":"ping","ts":-1e400}'])
def test_numbers_no_float_holds_are_bad_frames(body):
    with pytest.raises(ProtocolError) as info:
        JsonCodec().decode(body)
    assert (info.value.code, info.value.close_code) == (ErrorCode.BAD_FRAME, CloseCode.PROTOCOL_ERROR)
