"""The client side of the wire: JSON text frames or protobuf binary frames."""

from chat.protocol.codecs import JSON_SUBPROTOCOL, PROTO_SUBPROTOCOL, JsonCodec, proto_codec
from chat.protocol.framing import pack, unpack

MAX_FRAME_BYTES = 1 << 20


class ClientWire:
    """Encode client frames and decode server frames for one encoding."""

    def __init__(self, encoding):
        self.encoding = encoding
        self.codec = proto_codec() if encoding == "proto" else JsonCodec()
        self.subprotocol = PROTO_SUBPROTOCOL if encoding == "proto" else JSON_SUBPROTOCOL

    def encode(self, frame):
        """Return what to pass to `websocket.send` for a frame."""
        body = self.codec.encode(frame)
        return pack(body, compress=False) if self.encoding == "proto" else body.decode()

    def decode(self, payload):
        """Return the frame dict carried by a received text or binary message."""
        if isinstance(payload, str):
            return self.codec.decode(payload.encode())
        return self.codec.decode(unpack(payload, max_frame_bytes=MAX_FRAME_BYTES))
