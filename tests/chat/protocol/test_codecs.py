"""Codec contract tests, written once and run against the JSON and protobuf codecs."""

import json
from pathlib import Path

import pytest

from chat.protocol.codecs import JsonCodec, choose_codec
from chat.protocol.errors import CloseCode, ErrorCode, ProtocolError
from chat.protocol.frames import validate_client_frame
from chat.protocol.proto_codec import ProtoCodec

from .samples import ALL_FRAMES, CLIENT_FRAMES, CONV, TS, long_answer

CORPUS = Path(__file__).resolve().parents[3] / "bench" / "corpus" / "frames.jsonl"
GARBAGE = [b"\xff\xff\xff\xff", b"\x0a\x05ab", b"\x0a\x02\xc3\x28", b'{"type": "hel']


class CodecContract:
    """Behaviour every codec must share; subclasses set `codec`."""

    codec = None

    @pytest.mark.parametrize("name", sorted(ALL_FRAMES))
    def test_every_contract_frame_round_trips(self, name):
        frame = ALL_FRAMES[name]
        body = self.codec.encode(frame)
        assert isinstance(body, bytes)
        assert self.codec.decode(body) == frame

    def test_every_benchmark_corpus_frame_round_trips(self):
        lines = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
        for line in lines:
            frame = line["frame"]
            assert self.codec.decode(self.codec.encode(frame)) == frame
            if line["dir"] == "c2s":
                validate_client_frame(frame)

    def test_long_mixed_language_answer_round_trips(self):
        frame = {"type": "message", "msg_id": "9", "conversation_id": CONV, "seq": 2, "sender": "bot",
                 "text": long_answer(3900), "ts": TS}
        assert self.codec.decode(self.codec.encode(frame)) == frame

    def test_large_integers_round_trip(self):
        frame = {"type": "ack", "client_msg_id": "c", "msg_id": "1", "conversation_id": "9" * 19,
                 "seq": 2**40, "ts": 2**62}
        assert self.codec.decode(self.codec.encode(frame)) == frame

    @pytest.mark.parametrize("body", GARBAGE)
    def test_garbage_body_is_a_bad_frame(self, body):
        with pytest.raises(ProtocolError) as info:
            self.codec.decode(body)
        assert info.value.code is ErrorCode.BAD_FRAME
        assert info.value.close_code == CloseCode.PROTOCOL_ERROR

    @pytest.mark.parametrize("name", sorted(CLIENT_FRAMES))
    def test_decoded_client_frames_validate_like_the_original(self, name):
        frame = CLIENT_FRAMES[name]
        decoded = self.codec.decode(self.codec.encode(frame))
        assert validate_client_frame(decoded) == validate_client_frame(frame)

    @pytest.mark.parametrize(
        "frame, code, close_code",
        [
            ({"type": "launch"}, ErrorCode.UNKNOWN_TYPE, CloseCode.PROTOCOL_ERROR),
            ({"device_id": "d"}, ErrorCode.BAD_FRAME, CloseCode.PROTOCOL_ERROR),
            ({"type": "hello", "platform": "ios"}, ErrorCode.INVALID_FIELD, CloseCode.PROTOCOL_ERROR),
            ({"type": "history", "before_seq": 10, "limit": 101}, ErrorCode.INVALID_FIELD, CloseCode.PROTOCOL_ERROR),
            ({"type": "read", "seq": -1}, ErrorCode.INVALID_FIELD, CloseCode.PROTOCOL_ERROR),
            ({"type": "message", "client_msg_id": "has space", "text": "hi"}, ErrorCode.INVALID_CLIENT_MSG_ID, None),
            ({"type": "message", "client_msg_id": "c1", "text": "长" * 4001}, ErrorCode.TEXT_TOO_LONG, None),
            ({"type": "message", "client_msg_id": "c1", "text": "  "}, ErrorCode.TEXT_EMPTY, None),
            ({"type": "rate", "score": 0}, ErrorCode.INVALID_SCORE, None),
        ],
    )
    def test_decoded_bad_client_frames_fail_validation_the_same_way(self, frame, code, close_code):
        decoded = self.codec.decode(self.codec.encode(frame))
        with pytest.raises(ProtocolError) as info:
            validate_client_frame(decoded)
        assert (info.value.code, info.value.close_code) == (code, close_code)


class TestJsonCodec(CodecContract):
    codec = JsonCodec()

    def test_is_a_text_codec(self):
        assert (self.codec.subprotocol, self.codec.binary) == ("csbot.v1.json", False)

    def test_non_object_json_is_a_bad_frame(self):
        with pytest.raises(ProtocolError) as info:
            self.codec.decode(b"[1, 2]")
        assert info.value.code is ErrorCode.BAD_FRAME


class TestProtoCodec(CodecContract):
    codec = ProtoCodec()

    def test_is_a_binary_codec(self):
        assert (self.codec.subprotocol, self.codec.binary) == ("csbot.v1.proto", True)

    def test_is_chosen_when_offered(self):
        assert isinstance(choose_codec(["csbot.v1.json", "csbot.v1.proto"]), ProtoCodec)
        assert isinstance(choose_codec(["csbot.v1.json"]), JsonCodec)

    def test_unknown_keys_are_ignored_on_encode(self):
        frame = {"type": "receipt", "seq": 3, "debug": {"x": 1}, "extra": [1, 2]}
        nested = {"type": "welcome", "conversation": {"id": "1", "status": "bot", "internal": True},
                  "compress": [], "messages_total": 4}
        assert self.codec.decode(self.codec.encode(frame)) == {"type": "receipt", "seq": 3}
        assert self.codec.decode(self.codec.encode(nested))["conversation"] == {"id": "1", "status": "bot"}

    def test_null_fields_are_sent_as_absent(self):
        frame = {"type": "status", "conversation_id": CONV, "status": "bot", "queue_position": None, "agent_name": None}
        assert self.codec.decode(self.codec.encode(frame)) == {"type": "status", "conversation_id": CONV, "status": "bot"}

    def test_integer_ids_are_sent_as_strings(self):
        frame = {"type": "ack", "client_msg_id": "c", "msg_id": 88119, "conversation_id": 10233, "seq": 11, "ts": TS}
        decoded = self.codec.decode(self.codec.encode(frame))
        assert (decoded["msg_id"], decoded["conversation_id"], decoded["seq"]) == ("88119", "10233", 11)

    def test_empty_body_decodes_to_a_frame_without_type(self):
        with pytest.raises(ProtocolError) as info:
            validate_client_frame(self.codec.decode(b""))
        assert info.value.code is ErrorCode.BAD_FRAME

    def test_unknown_fields_from_newer_peers_are_skipped(self):
        body = self.codec.encode({"type": "ping", "ts": 5}) + b"\xf8\x3e\x01"  # field 999, varint 1
        assert self.codec.decode(body) == {"type": "ping", "ts": 5}

    def test_body_is_smaller_than_json(self):
        for frame in ALL_FRAMES.values():
            assert len(self.codec.encode(frame)) < len(JsonCodec().encode(frame))

    def test_frames_of_unknown_type_keep_every_field(self):
        frame = {"type": "future", "seq": 0, "text": "", "compress": ["snappy"], "resume": {"last_seq": 1},
                 "messages": [{"seq": 1, "text": "hi"}], "conversation": {"id": "1"}}
        assert self.codec.decode(self.codec.encode(frame)) == frame
        assert self.codec.decode(self.codec.encode({"seq": 3})) == {"seq": 3}
