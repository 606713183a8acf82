"""Validation of client frames against the contract; frames are plain dicts."""

import math
import re

from .errors import ErrorCode, fatal, soft

MAX_TEXT_CHARS = 4000
MAX_CLIENT_MSG_ID = 64
# Matched with fullmatch: `$` would also accept a trailing newline.
CLIENT_MSG_ID_RE = re.compile(rf"[A-Za-z0-9._:\-]{{1,{MAX_CLIENT_MSG_ID}}}")
# Seqs, limits and positions are 32-bit columns; a larger number is out of range, not a server error.
MAX_INT32 = 2**31 - 1
# Ids are 64-bit; a longer id is well-formed but names nothing.
MAX_ID = 2**63 - 1
ID_RE = re.compile(r"[0-9]{1,19}")
# NUL cannot be stored in PostgreSQL text, and a lone surrogate cannot be encoded as UTF-8.
UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")
CLIENT_TYPES = frozenset({"hello", "message", "ping", "read", "typing", "handoff", "rate", "history"})
COMPRESSIONS = frozenset({"snappy"})


def storable(text):
    """True when a string can be stored and sent back: no NUL, no lone surrogate."""
    return UNSTORABLE_RE.search(text) is None


def _int(frame, name, *, minimum=0, maximum=MAX_INT32, required=True):
    value = frame.get(name)
    if value is None:
        if required:
            raise fatal(ErrorCode.INVALID_FIELD, f"{name} is required")
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise fatal(ErrorCode.INVALID_FIELD, f"{name} must be an integer")
    if value < minimum or value > maximum:
        raise fatal(ErrorCode.INVALID_FIELD, f"{name} is out of range")
    return value


def _str(frame, name, *, max_len, required=True):
    value = frame.get(name)
    if value is None:
        if required:
            raise fatal(ErrorCode.INVALID_FIELD, f"{name} is required")
        return None
    if not isinstance(value, str):
        raise fatal(ErrorCode.INVALID_FIELD, f"{name} must be a string")
    if len(value) > max_len:
        raise fatal(ErrorCode.INVALID_FIELD, f"{name} is too long")
    if not storable(value):
        raise fatal(ErrorCode.INVALID_FIELD, f"{name} holds a NUL or an unpaired surrogate")
    return value


def _conversation_id(value, name="conversation_id"):
    """Accept a conversation id as a string of digits or an integer."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise fatal(ErrorCode.INVALID_FIELD, f"{name} must be a string")
    text = str(value)
    # ASCII digits only: str.isdigit() also takes "²" and other scripts' digits.
    if not ID_RE.fullmatch(text) or int(text) > MAX_ID:
        return None  # Well-formed but unknown: handled as "cannot resume".
    return int(text)


def validate_hello(frame):
    out = {
        "device_id": _str(frame, "device_id", max_len=128),
        "platform": _str(frame, "platform", max_len=20),
        "app_version": _str(frame, "app_version", max_len=40, required=False) or "",
    }
    compress = frame.get("compress") or []
    if not isinstance(compress, list) or not all(isinstance(c, str) for c in compress):
        raise fatal(ErrorCode.INVALID_FIELD, "compress must be a list of strings")
    out["compress"] = [c for c in compress if c in COMPRESSIONS]
    resume = frame.get("resume")
    if resume is not None:
        if not isinstance(resume, dict):
            raise fatal(ErrorCode.INVALID_FIELD, "resume must be an object")
        out["resume"] = {
            "conversation_id": _conversation_id(resume.get("conversation_id")),
            "last_seq": _int(resume, "last_seq"),
        }
    return out


def _media_id(frame, client_msg_id):
    """The id of the picture a message carries (v1.1), None without one; a well-formed unknown id is -1."""
    value = frame.get("media_id")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise fatal(ErrorCode.INVALID_FIELD, "media_id must be a string")
    if isinstance(value, str) and len(value) > 20:
        raise soft(ErrorCode.NOT_FOUND, "media_id names no picture you uploaded", client_msg_id=client_msg_id)
    found = _conversation_id(value, "media_id")
    return -1 if found is None else found  # -1 names nothing: answered as unknown when it is looked up


def validate_message(frame):
    client_msg_id = frame.get("client_msg_id")
    text = frame.get("text")
    if not isinstance(client_msg_id, str):
        raise fatal(ErrorCode.INVALID_FIELD, "client_msg_id must be a string")
    media_id = _media_id(frame, client_msg_id if isinstance(client_msg_id, str) else None)
    if media_id is not None and text is None:
        text = ""  # a picture alone needs no words
    if not isinstance(text, str):
        raise fatal(ErrorCode.INVALID_FIELD, "text must be a string")
    if not CLIENT_MSG_ID_RE.fullmatch(client_msg_id):
        raise soft(ErrorCode.INVALID_CLIENT_MSG_ID, "client_msg_id must be 1-64 letters, digits or ._:-")
    if not storable(text):
        raise soft(ErrorCode.TEXT_INVALID, "text holds a NUL or an unpaired surrogate", client_msg_id=client_msg_id)
    if media_id is not None:
        if len(text) > MAX_TEXT_CHARS:
            raise soft(ErrorCode.TEXT_TOO_LONG, f"text is longer than {MAX_TEXT_CHARS} characters",
                       client_msg_id=client_msg_id)
        return {"client_msg_id": client_msg_id, "text": text, "media_id": media_id}
    if not text.strip():
        raise soft(ErrorCode.TEXT_EMPTY, "text is empty", client_msg_id=client_msg_id)
    if len(text) > MAX_TEXT_CHARS:
        raise soft(ErrorCode.TEXT_TOO_LONG, f"text is longer than {MAX_TEXT_CHARS} characters", client_msg_id=client_msg_id)
    return {"client_msg_id": client_msg_id, "text": text}


def validate_ping(frame):
    ts = frame.get("ts")
    if ts is None:
        return {"ts": None}
    if not isinstance(ts, (int, float)) or isinstance(ts, bool):
        raise fatal(ErrorCode.INVALID_FIELD, "ts must be a number")
    # Echoed in the pong: it must be a number JSON and protobuf (int64) can carry.
    if isinstance(ts, float) and not math.isfinite(ts) or abs(ts) > MAX_ID:
        raise fatal(ErrorCode.INVALID_FIELD, "ts is out of range")
    return {"ts": ts}


def validate_read(frame):
    return {"seq": _int(frame, "seq")}


def validate_typing(frame):
    return {}


def validate_handoff(frame):
    return {"reason": _str(frame, "reason", max_len=200, required=False) or ""}


def validate_rate(frame):
    score = frame.get("score")
    if not isinstance(score, int) or isinstance(score, bool):
        raise fatal(ErrorCode.INVALID_FIELD, "score must be an integer")
    if not 1 <= score <= 5:
        raise soft(ErrorCode.INVALID_SCORE, "score must be between 1 and 5")
    out = {"score": score, "comment": _str(frame, "comment", max_len=500, required=False) or ""}
    if frame.get("conversation_id") is not None:
        out["conversation_id"] = _conversation_id(frame["conversation_id"])
    return out


def validate_history(frame):
    return {
        "before_seq": _int(frame, "before_seq"),
        "limit": _int(frame, "limit", minimum=1, maximum=100),
    }


VALIDATORS = {
    "hello": validate_hello,
    "message": validate_message,
    "ping": validate_ping,
    "read": validate_read,
    "typing": validate_typing,
    "handoff": validate_handoff,
    "rate": validate_rate,
    "history": validate_history,
}


def validate_client_frame(frame):
    """Return (type, fields) for a decoded client frame, or raise ProtocolError."""
    if not isinstance(frame, dict):
        raise fatal(ErrorCode.BAD_FRAME, "a frame must be an object")
    kind = frame.get("type")
    if not isinstance(kind, str):
        raise fatal(ErrorCode.BAD_FRAME, "a frame needs a string type")
    validator = VALIDATORS.get(kind)
    if validator is None:
        raise fatal(ErrorCode.UNKNOWN_TYPE, "unknown frame type")
    return kind, validator(frame)


def validate_posted_message(body):
    """Return the fields of a message posted over HTTP, checked as the socket's `message` frame; or raise ProtocolError."""
    return validate_client_frame({**body, "type": "message"})[1]
