"""The one closed set of error codes and close codes, shared by both sockets (customer and console), HTTP and logs."""

from enum import IntEnum, StrEnum


class CloseCode(IntEnum):
    NORMAL = 1000
    GOING_AWAY = 1001
    TOO_BIG = 1009
    SERVER_ERROR = 1011
    TRY_AGAIN_LATER = 1013
    PROTOCOL_ERROR = 4400
    UNAUTHORIZED = 4401
    FORBIDDEN = 4403
    HEARTBEAT_TIMEOUT = 4408
    REPLACED = 4409
    REPLACED_ON_DEVICE = 4410
    TOO_SLOW = 4413
    RATE_LIMITED = 4429


class ErrorCode(StrEnum):
    # Fatal: the socket closes after the error frame.
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    BAD_FRAME = "bad_frame"
    UNKNOWN_TYPE = "unknown_type"
    INVALID_FIELD = "invalid_field"
    FRAME_TOO_LARGE = "frame_too_large"
    RATE_LIMITED = "rate_limited"
    HEARTBEAT_TIMEOUT = "heartbeat_timeout"
    SERVER_ERROR = "server_error"
    # Non-fatal: the socket stays open.
    HELLO_REQUIRED = "hello_required"
    TEXT_TOO_LONG = "text_too_long"
    TEXT_EMPTY = "text_empty"
    TEXT_INVALID = "text_invalid"
    INVALID_CLIENT_MSG_ID = "invalid_client_msg_id"
    CONVERSATION_CLOSED = "conversation_closed"
    NOT_FOUND = "not_found"
    NOTHING_TO_RATE = "nothing_to_rate"
    INVALID_SCORE = "invalid_score"
    REJECTED = "rejected"  # the content-safety check refused the text
    # Non-fatal, on the agent console's socket: a command the conversation's state or the agent's rights refuse.
    NOT_ASSIGNED = "not_assigned"
    NOT_QUEUED = "not_queued"
    BOT_NOT_IN_CHARGE = "bot_not_in_charge"
    NO_CONVERSATION = "no_conversation"
    EMPTY = "empty"
    UNKNOWN_AGENT = "unknown_agent"
    # HTTP only.
    INVALID_CODE = "invalid_code"
    UPSTREAM_UNAVAILABLE = "upstream_unavailable"
    INVALID_REQUEST = "invalid_request"
    TOO_LARGE = "too_large"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNAVAILABLE = "unavailable"  # 503: a dependency (Redis) is down; try again later


class ProtocolError(Exception):
    """A frame the server cannot take; `close_code` None means the socket stays open."""

    def __init__(self, code, message, *, close_code=CloseCode.PROTOCOL_ERROR, client_msg_id=None):
        super().__init__(message)
        self.code = ErrorCode(code)
        self.message = message
        self.close_code = close_code
        self.client_msg_id = client_msg_id

    def frame(self):
        """Return the `error` frame that tells the client about this problem."""
        # Imported here: the protocol package stays importable without Django, which the frames module needs.
        from ..presenters import error_frame

        return error_frame(self.code, self.message, self.client_msg_id)


def fatal(code, message):
    """Return a protocol error that closes the socket with 4400."""
    return ProtocolError(code, message)


def soft(code, message, *, client_msg_id=None):
    """Return an error that is answered with a frame while the socket stays open."""
    return ProtocolError(code, message, close_code=None, client_msg_id=client_msg_id)
