"""The protobuf codec: frame dicts to `csbot.v1.Frame` bodies and back."""

from google.protobuf.message import DecodeError

from .codecs import PROTO_SUBPROTOCOL
from .csbot_pb2 import ChatMessage, Conversation, Frame, Resume
from .errors import ErrorCode, ProtocolError

# Explicit tables instead of descriptor walks or MessageToDict: this is the hot path.
FRAME_STRINGS = frozenset({
    "type", "conversation_id", "stream_id", "delta", "text", "client_msg_id", "msg_id",
    "sender", "sender_name", "status", "device_id", "platform", "app_version", "reason",
    "comment", "agent_name", "code", "message",
})
FRAME_INTS = frozenset({
    "index", "seq", "ts", "last_seq", "score", "before_seq", "limit", "heartbeat_s",
    "max_frame_bytes", "server_time", "queue_position",
})
FRAME_SCALARS = FRAME_STRINGS | FRAME_INTS | {"recovered", "compress"}
CONVERSATION_FIELDS = frozenset({"id", "status", "agent_name"})
RESUME_FIELDS = frozenset({"conversation_id", "last_seq"})
CHAT_MESSAGE_FIELDS = frozenset({
    "type", "msg_id", "conversation_id", "seq", "sender", "sender_name", "text", "ts",
    "client_msg_id", "stream_id",
})
NESTED_STRINGS = frozenset({"id", "status", "agent_name", "conversation_id", "type", "msg_id",
                            "sender", "sender_name", "text", "client_msg_id", "stream_id"})


def _pick(fields, names):
    """Return the known, non-null entries of a nested frame object."""
    return {key: value for key, value in fields.items() if key in names and value is not None}


def _build(frame):
    """Return the Frame message for a frame dict, skipping unknown keys and nulls."""
    fields = {key: value for key, value in frame.items() if key in FRAME_SCALARS and value is not None}
    conversation = frame.get("conversation")
    if conversation is not None:
        fields["conversation"] = Conversation(**_pick(conversation, CONVERSATION_FIELDS))
    resume = frame.get("resume")
    if resume is not None:
        fields["resume"] = Resume(**_pick(resume, RESUME_FIELDS))
    messages = frame.get("messages")
    if messages:
        fields["messages"] = [ChatMessage(**_pick(item, CHAT_MESSAGE_FIELDS)) for item in messages]
    return Frame(**fields)


def _coerce_value(key, value, strings):
    # Ids are strings in the contract; a caller that still holds an int id gets it sent as text.
    if key in strings and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if key in FRAME_INTS and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _coerce(frame):
    """Return a copy of a frame with int ids as strings and whole floats as ints."""
    out = {key: _coerce_value(key, value, FRAME_STRINGS) for key, value in frame.items()}
    for key in ("conversation", "resume"):
        if isinstance(out.get(key), dict):
            out[key] = {k: _coerce_value(k, v, NESTED_STRINGS) for k, v in out[key].items()}
    if isinstance(out.get("messages"), list):
        out["messages"] = [
            {k: _coerce_value(k, v, NESTED_STRINGS) for k, v in item.items()} for item in out["messages"]
        ]
    return out


def _nested(message):
    """Return the present fields of a nested message as a dict."""
    return {field.name: value for field, value in message.ListFields()}


def _messages(container):
    return [_nested(item) for item in container]


DECODE_CONVERTERS = {"compress": list, "conversation": _nested, "resume": _nested, "messages": _messages}


def _fill_lists(frame):
    # Proto3 cannot tell an empty repeated field from an absent one, so lists the
    # contract always sends come back as [] instead of disappearing.
    kind = frame.get("type")
    if kind == "welcome" and "compress" not in frame:
        frame["compress"] = []
    elif kind == "history" and "messages" not in frame and "limit" not in frame and "before_seq" not in frame:
        frame["messages"] = []  # The server's answer; the client's request carries limit.


class ProtoCodec:
    subprotocol = PROTO_SUBPROTOCOL
    binary = True

    def encode(self, frame):
        """Return the serialized csbot.v1.Frame body of a frame dict."""
        try:
            return _build(frame).SerializeToString()
        except (TypeError, ValueError):
            return _build(_coerce(frame)).SerializeToString()

    def decode(self, body):
        """Return the frame dict in a serialized csbot.v1.Frame body."""
        try:
            message = Frame.FromString(body)
        except (DecodeError, TypeError) as exc:
            raise ProtocolError(ErrorCode.BAD_FRAME, "frame is not a valid csbot.v1.Frame") from exc
        frame = {}
        for field, value in message.ListFields():
            name = field.name
            convert = DECODE_CONVERTERS.get(name)
            frame[name] = value if convert is None else convert(value)
        _fill_lists(frame)
        return frame
