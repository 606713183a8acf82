"""Wire behaviour for both codecs: text or binary, Snappy, limits and bad frames."""

import cramjam
import pytest

from chat.protocol import framing
from chat.protocol.codecs import JsonCodec
from chat.protocol.errors import CloseCode, ErrorCode, ProtocolError
from chat.protocol.proto_codec import ProtoCodec
from chat.protocol.wire import Wire

from .samples import CONV, SERVER_FRAMES, TS, long_answer

MAX = 65536
THRESHOLD = 1024
CODECS = [pytest.param(JsonCodec(), id="json"), pytest.param(ProtoCodec(), id="proto")]


def make_wire(codec, *, peer_snappy=False):
    wire = Wire(codec, max_frame_bytes=MAX, compress_min_bytes=THRESHOLD)
    wire.peer_snappy = peer_snappy
    return wire


def answer_of_body_size(codec, size):
    """Return a bot message whose encoded body is exactly size bytes."""
    frame = {"type": "message", "msg_id": "1", "conversation_id": CONV, "seq": 1, "sender": "bot", "text": "", "ts": TS}
    frame["text"] = "a" * (size - len(codec.encode(frame)))
    # A protobuf length prefix grows by a byte past 127, so trim until it fits exactly.
    while len(codec.encode(frame)) > size:
        frame["text"] = frame["text"][:-1]
    assert len(codec.encode(frame)) == size
    return frame


def varint(value):
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def assert_rejected(code, close_code, **payload):
    with pytest.raises(ProtocolError) as info:
        payload.pop("wire").decode(**payload)
    assert (info.value.code, info.value.close_code) == (code, close_code)


def test_json_small_frames_go_out_as_text_even_with_snappy():
    kind, payload = make_wire(JsonCodec(), peer_snappy=True).encode(SERVER_FRAMES["ack"])
    assert kind == "text"
    assert JsonCodec().decode(payload.encode()) == SERVER_FRAMES["ack"]


def test_json_frame_just_below_threshold_stays_text():
    frame = answer_of_body_size(JsonCodec(), THRESHOLD - 1)
    assert make_wire(JsonCodec(), peer_snappy=True).encode(frame)[0] == "text"


def test_json_frame_at_threshold_is_snappy_binary_when_peer_announced_it():
    frame = answer_of_body_size(JsonCodec(), THRESHOLD)
    kind, payload = make_wire(JsonCodec(), peer_snappy=True).encode(frame)
    assert kind == "bytes" and payload[0] == framing.FLAG_SNAPPY
    assert len(payload) < THRESHOLD


def test_json_large_frame_stays_text_without_peer_snappy():
    frame = answer_of_body_size(JsonCodec(), 4 * THRESHOLD)
    assert make_wire(JsonCodec()).encode(frame)[0] == "text"


def test_proto_is_always_binary_with_a_flags_byte():
    wire = make_wire(ProtoCodec(), peer_snappy=True)
    kind, payload = wire.encode(SERVER_FRAMES["ack"])
    assert (kind, payload[0]) == ("bytes", 0)
    assert payload[1:] == ProtoCodec().encode(SERVER_FRAMES["ack"])


@pytest.mark.parametrize("peer_snappy, flags", [(True, framing.FLAG_SNAPPY), (False, 0)])
def test_proto_compresses_at_threshold_only_for_snappy_peers(peer_snappy, flags):
    below = answer_of_body_size(ProtoCodec(), THRESHOLD - 1)
    at = answer_of_body_size(ProtoCodec(), THRESHOLD)
    wire = make_wire(ProtoCodec(), peer_snappy=peer_snappy)
    assert wire.encode(below)[1][0] == 0
    assert wire.encode(at)[1][0] == flags


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("peer_snappy", [True, False])
def test_frames_survive_the_wire_both_ways(codec, peer_snappy):
    sender, receiver = make_wire(codec, peer_snappy=peer_snappy), make_wire(codec)
    frames = list(SERVER_FRAMES.values()) + [answer_of_body_size(codec, 3000)]
    frames.append({"type": "message", "client_msg_id": "c-1", "text": long_answer(3000)})
    for frame in frames:
        kind, payload = sender.encode(frame)
        decoded = receiver.decode(text=payload) if kind == "text" else receiver.decode(data=payload)
        assert decoded == frame


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("flags", [0x02, 0x04, 0x80, 0x03, 0xFF])
def test_reserved_flag_bits_are_a_protocol_error(codec, flags):
    body = codec.encode({"type": "ping", "ts": TS})
    assert_rejected(ErrorCode.BAD_FRAME, CloseCode.PROTOCOL_ERROR, wire=make_wire(codec), data=bytes([flags]) + body)


@pytest.mark.parametrize("codec", CODECS)
def test_snappy_body_declaring_too_much_is_refused_before_decompressing(codec, monkeypatch):
    class NoDecompress:
        class snappy:
            @staticmethod
            def decompress_raw(body):
                raise AssertionError("decompressed a body that declared 10 MB")

    monkeypatch.setattr(framing, "cramjam", NoDecompress)
    frame = b"\x01" + varint(10 * 1024 * 1024) + b"\x00\x61"  # a few bytes claiming 10 MB
    assert len(frame) < 8
    assert_rejected(ErrorCode.FRAME_TOO_LARGE, CloseCode.TOO_BIG, wire=make_wire(codec), data=frame)


def padded_to(codec, body, size):
    """Return the body grown to exactly size bytes in a way the codec ignores."""
    if not codec.binary:
        return body + b" " * (size - len(body))  # JSON allows trailing whitespace
    # An unknown length-delimited field (number 1000) is skipped by the decoder.
    tag = varint(1000 << 3 | 2)
    filler = size - len(body) - len(tag) - 3
    return body + tag + varint(filler) + b"\x00" * filler


@pytest.mark.parametrize("codec", CODECS)
def test_snappy_body_declaring_exactly_the_limit_is_accepted(codec):
    frame = {"type": "message", "client_msg_id": "c", "text": "x"}
    body = padded_to(codec, codec.encode(frame), MAX)
    assert len(body) == MAX
    data = b"\x01" + bytes(cramjam.snappy.compress_raw(body))
    assert framing.snappy_declared_length(data[1:]) == MAX
    assert make_wire(codec).decode(data=data) == frame


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize(
    "body",
    [b"\x05\x00abcdef", b"\xff\xff\xff\xff\xff\xff", b"", b"\x20\xf0\xff\xff\xff"],
    ids=["short", "bad-varint", "empty", "bad-tag"],
)
def test_corrupt_snappy_is_a_protocol_error(codec, body):
    assert_rejected(ErrorCode.BAD_FRAME, CloseCode.PROTOCOL_ERROR, wire=make_wire(codec), data=b"\x01" + body)


@pytest.mark.parametrize("codec", CODECS)
def test_binary_frame_over_the_limit_closes_with_1009(codec):
    assert_rejected(ErrorCode.FRAME_TOO_LARGE, CloseCode.TOO_BIG, wire=make_wire(codec), data=b"\x00" + b"a" * MAX)


def test_text_frame_over_the_limit_closes_with_1009():
    text = '{"type":"message","client_msg_id":"c","text":"' + "长" * (MAX // 3) + '"}'
    assert_rejected(ErrorCode.FRAME_TOO_LARGE, CloseCode.TOO_BIG, wire=make_wire(JsonCodec()), text=text)


@pytest.mark.parametrize("codec", CODECS)
def test_empty_binary_frame_is_a_protocol_error(codec):
    assert_rejected(ErrorCode.BAD_FRAME, CloseCode.PROTOCOL_ERROR, wire=make_wire(codec), data=b"")


@pytest.mark.parametrize(
    "codec, data",
    [
        pytest.param(JsonCodec(), b"\x00not json at all", id="json-plain"),
        pytest.param(JsonCodec(), b"\x01" + bytes(cramjam.snappy.compress_raw(b"\xff\xfe{")), id="json-snappy"),
        pytest.param(ProtoCodec(), b"\x00\xff\xff\xff\xff", id="proto-plain"),
        pytest.param(ProtoCodec(), b"\x01" + bytes(cramjam.snappy.compress_raw(b"\x0a\x09short")), id="proto-snappy"),
    ],
)
def test_garbage_bodies_are_a_protocol_error(codec, data):
    assert_rejected(ErrorCode.BAD_FRAME, CloseCode.PROTOCOL_ERROR, wire=make_wire(codec), data=data)


def test_garbage_text_frame_is_a_protocol_error():
    assert_rejected(ErrorCode.BAD_FRAME, CloseCode.PROTOCOL_ERROR, wire=make_wire(JsonCodec()), text="hello?")


def test_proto_mode_refuses_text_frames():
    assert_rejected(ErrorCode.BAD_FRAME, CloseCode.PROTOCOL_ERROR, wire=make_wire(ProtoCodec()), text='{"type":"ping"}')
