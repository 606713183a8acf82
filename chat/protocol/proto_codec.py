"""The protobuf codec: frame dicts to `csbot.v1.Frame` bodies and back."""

from google.protobuf.message import DecodeError

from .codecs import PROTO_SUBPROTOCOL
from .csbot_pb2 import ChatMessage, Conversation, Frame, Media, Resume
from .errors import ErrorCode, ProtocolError

# Explicit tables rather than descriptor walks or MessageToDict: this is the hot path.
FRAME_STRINGS = frozenset({
    "type", "conversation_id", "stream_id", "delta", "text", "client_msg_id", "msg_id", "sender",
    "sender_name", "status", "device_id", "platform", "app_version", "reason", "comment",
    "agent_name", "code", "message", "media_id",
})
FRAME_INTS = frozenset({
    "index", "seq", "ts", "last_seq", "score", "before_seq", "limit", "heartbeat_s",
    "max_frame_bytes", "server_time", "queue_position", "max_media_bytes",
})
FRAME_SCALARS = FRAME_STRINGS | FRAME_INTS | {"recovered", "compress"}
CONVERSATION_FIELDS = ("id", "status", "agent_name")
RESUME_FIELDS = ("conversation_id", "last_seq")
MEDIA_FIELDS = ("url", "thumb_url", "mime", "width", "height")
CHAT_MESSAGE_FIELDS = ("type", "msg_id", "conversation_id", "seq", "sender", "sender_name", "text", "ts",
                       "client_msg_id", "stream_id")
NESTED_STRINGS = frozenset(CONVERSATION_FIELDS + RESUME_FIELDS + CHAT_MESSAGE_FIELDS) - {"seq", "ts", "last_seq"}

# Scalars each frame type carries; a type used in both directions lists both sides.
# Testing these with HasField is about twice as fast as walking ListFields().
SCALARS_BY_TYPE = {
    "hello": ("type", "device_id", "platform", "app_version"),
    "message": ("type", "client_msg_id", "text", "msg_id", "conversation_id", "seq", "sender",
                "sender_name", "ts", "stream_id", "media_id"),
    "ping": ("type", "ts"),
    "read": ("type", "seq"),
    "typing": ("type", "sender"),
    "handoff": ("type", "reason"),
    "rate": ("type", "score", "comment", "conversation_id"),
    "history": ("type", "before_seq", "limit"),
    "welcome": ("type", "last_seq", "heartbeat_s", "max_frame_bytes", "recovered", "server_time", "max_media_bytes"),
    "synced": ("type", "last_seq"),
    "ack": ("type", "client_msg_id", "msg_id", "conversation_id", "seq", "ts"),
    "stream": ("type", "conversation_id", "stream_id", "index", "delta"),
    "status": ("type", "conversation_id", "status", "queue_position", "agent_name"),
    "rated": ("type", "conversation_id", "score"),
    "receipt": ("type", "seq"),
    "kick": ("type", "reason"),
    "error": ("type", "code", "message", "client_msg_id"),
    "pong": ("type", "ts"),
}
# Types whose frames carry lists or nested messages.
NESTED_TYPES = frozenset({"hello", "welcome", "history"})


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
    media = frame.get("media")
    if media is not None:
        fields["media"] = Media(**_pick(media, MEDIA_FIELDS))
    messages = frame.get("messages")
    if messages:
        fields["messages"] = [_chat_message(item) for item in messages]
    return Frame(**fields)


def _chat_message(item):
    fields = _pick(item, CHAT_MESSAGE_FIELDS)
    media = item.get("media")
    if media is not None:
        fields["media"] = Media(**_pick(media, MEDIA_FIELDS))
    return ChatMessage(**fields)


def _coerce_value(key, value, strings):
    # Ids are strings in the contract; a caller still holding an int id gets it sent as text.
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
        out["messages"] = [{k: _coerce_value(k, v, NESTED_STRINGS) for k, v in m.items()} for m in out["messages"]]
    return out


def _present(message, names):
    """Return the fields of a message that are set, among the names given."""
    has = message.HasField
    return {name: getattr(message, name) for name in names if has(name)}


def _chat_messages(container):
    out = []
    for item in container:
        entry = _present(item, CHAT_MESSAGE_FIELDS)
        if item.HasField("media"):
            entry["media"] = _present(item.media, MEDIA_FIELDS)
        out.append(entry)
    return out


def _add_nested(frame, message, kind):
    """Add the list and message fields, which HasField cannot test or which need converting."""
    # Proto3 cannot tell an empty list from an absent one, so the lists the contract always
    # sends come back as []: welcome.compress, and messages in the server's history answer
    # (the client's history request carries limit and before_seq instead).
    if message.compress or kind == "welcome":
        frame["compress"] = list(message.compress)
    if message.messages or (kind == "history" and "limit" not in frame and "before_seq" not in frame):
        frame["messages"] = _chat_messages(message.messages)
    if message.HasField("conversation"):
        frame["conversation"] = _present(message.conversation, CONVERSATION_FIELDS)
    if message.HasField("resume"):
        frame["resume"] = _present(message.resume, RESUME_FIELDS)


def _decode_untyped(message):
    """Return every set field of a frame whose type has no table (unknown or missing)."""
    frame = {}
    for field, value in message.ListFields():
        frame[field.name] = value
    _add_nested(frame, message, None)
    return frame


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
        kind = message.type
        scalars = SCALARS_BY_TYPE.get(kind)
        if scalars is None:
            return _decode_untyped(message)
        frame = _present(message, scalars)
        if kind in NESTED_TYPES:
            _add_nested(frame, message, kind)
        elif kind == "message" and message.HasField("media"):
            frame["media"] = _present(message.media, MEDIA_FIELDS)
        return frame
