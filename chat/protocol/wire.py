"""One socket's wire format: a codec plus the Snappy framing the peer agreed to."""

from .errors import CloseCode, ErrorCode, ProtocolError
from .framing import pack, unpack


class Wire:
    """Decode incoming WebSocket payloads and encode outgoing frames for one socket."""

    def __init__(self, codec, *, max_frame_bytes, compress_min_bytes):
        self.codec = codec
        self.max_frame_bytes = max_frame_bytes
        self.compress_min_bytes = compress_min_bytes
        self.peer_snappy = False

    @property
    def subprotocol(self):
        return self.codec.subprotocol

    def decode(self, *, text=None, data=None):
        """Return the frame dict carried by a text or binary WebSocket message."""
        if text is not None:
            if len(text.encode()) > self.max_frame_bytes:
                raise ProtocolError(ErrorCode.FRAME_TOO_LARGE, "frame too large", close_code=CloseCode.TOO_BIG)
            if self.codec.binary:
                raise ProtocolError(ErrorCode.BAD_FRAME, "text frames are not allowed in this mode")
            return self.codec.decode(text.encode())
        return self.codec.decode(unpack(data, max_frame_bytes=self.max_frame_bytes))

    def encode(self, frame):
        """Return ("text", str) or ("bytes", bytes) for an outgoing frame."""
        body = self.codec.encode(frame)
        compress = self.peer_snappy and len(body) >= self.compress_min_bytes
        if not compress and not self.codec.binary:
            return "text", body.decode()
        return "bytes", pack(body, compress=compress)
