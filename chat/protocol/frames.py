"""Validation of client frames against the contract; frames are plain dicts."""

import re

from .errors import ErrorCode, fatal, soft

MAX_TEXT_CHARS = 4000
MAX_CLIENT_MSG_ID = 64
CLIENT_MSG_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")
CLIENT_TYPES = frozenset({"hello", "message", "ping", "read", "typing", "handoff", "rate", "history"})
COMPRESSIONS = frozenset({"snappy"})


def _int(frame, name, *, minimum=0, maximum=None, required=True):
    value = frame.get(name)
    if value is None:
        if required:
            raise fatal(ErrorCode.INVALID_FIELD, f"{name} is required")
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise fatal(ErrorCode.INVALID_FIELD, f"{name} must be an integer")
    if value < minimum or (maximum is not None and value > maximum):
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
    return value


def _conversation_id(value, name="conversation_id"):
    """Accept a conversation id as a string of digits or an integer."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise fatal(ErrorCode.INVALID_FIELD, f"{name} must be a string")
    text = str(value)
    if not text.isdigit() or len(text) > 20:
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


def validate_message(frame):
    client_msg_id = frame.get("client_msg_id")
    text = frame.get("text")
    if not isinstance(client_msg_id, str):
        raise fatal(ErrorCode.INVALID_FIELD, "client_msg_id must be a string")
    if not isinstance(text, str):
        raise fatal(ErrorCode.INVALID_FIELD, "text must be a string")
    if not CLIENT_MSG_ID_RE.fullmatch(client_msg_id):
        raise soft(ErrorCode.INVALID_CLIENT_MSG_ID, "client_msg_id must be 1-64 letters, digits or ._:-")
    if not text.strip():
        raise soft(ErrorCode.TEXT_EMPTY, "text is empty", client_msg_id=client_msg_id)
    if len(text) > MAX_TEXT_CHARS:
        raise soft(ErrorCode.TEXT_TOO_LONG, f"text is longer than {MAX_TEXT_CHARS} characters", client_msg_id=client_msg_id)
    return {"client_msg_id": client_msg_id, "text": text}


def validate_ping(frame):
    ts = frame.get("ts")
    if ts is not None and (not isinstance(ts, (int, float)) or isinstance(ts, bool)):
        raise fatal(ErrorCode.INVALID_FIELD, "ts must be a number")
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
