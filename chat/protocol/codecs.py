"""Codecs turn frame dicts into bodies and back; one per subprotocol."""

import json
import math

from .errors import ErrorCode, ProtocolError


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value

JSON_SUBPROTOCOL = "csbot.v1.json"
PROTO_SUBPROTOCOL = "csbot.v1.proto"


class JsonCodec:
    subprotocol = JSON_SUBPROTOCOL
    # Uncompressed JSON goes out as text frames; binary is only for Snappy.
    binary = False

    def encode(self, frame):
        """Return the UTF-8 JSON body of a frame."""
        return json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode()

    def decode(self, body):
        """Return the frame dict in a UTF-8 JSON body."""
        try:
            # NaN, Infinity and 1e400 would come back out as invalid JSON; nesting
            # deeper than the interpreter's stack ends in RecursionError.
            frame = json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ProtocolError(ErrorCode.BAD_FRAME, "frame is not valid JSON") from exc
        if not isinstance(frame, dict):
            raise ProtocolError(ErrorCode.BAD_FRAME, "a frame must be a JSON object")
        return frame


def proto_codec():
    """Return the protobuf codec, imported lazily so JSON-only setups skip protobuf."""
    from .proto_codec import ProtoCodec

    return ProtoCodec()


def choose_codec(offered):
    """Return the codec for the subprotocols a client offered (proto wins, JSON by default)."""
    if PROTO_SUBPROTOCOL in offered:
        try:
            return proto_codec()
        except ImportError:
            pass
    return JsonCodec()
