"""Binary frames: one flags byte, then the body (bit 0: raw Snappy block)."""

import cramjam

from .errors import CloseCode, ErrorCode, ProtocolError

FLAG_SNAPPY = 0x01
KNOWN_FLAGS = FLAG_SNAPPY


def too_big(message):
    return ProtocolError(ErrorCode.FRAME_TOO_LARGE, message, close_code=CloseCode.TOO_BIG)


def snappy_declared_length(body):
    """Return the uncompressed length a raw Snappy block declares (its leading varint)."""
    result = 0
    for shift, byte in zip(range(0, 35, 7), body[:5]):
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result
    raise ProtocolError(ErrorCode.BAD_FRAME, "bad snappy length")


def unpack(data, *, max_frame_bytes):
    """Return the body of a binary frame, decompressed when its flag says so."""
    if len(data) < 1:
        raise ProtocolError(ErrorCode.BAD_FRAME, "empty binary frame")
    if len(data) > max_frame_bytes:
        raise too_big("frame exceeds max_frame_bytes")
    flags, body = data[0], bytes(data[1:])
    if flags & ~KNOWN_FLAGS:
        raise ProtocolError(ErrorCode.BAD_FRAME, "reserved flag bits set")
    if not flags & FLAG_SNAPPY:
        return body
    # Checked before decompressing, so a small frame cannot claim a huge body.
    if snappy_declared_length(body) > max_frame_bytes:
        raise too_big("compressed body declares more than max_frame_bytes")
    try:
        return bytes(cramjam.snappy.decompress_raw(body))
    except Exception as exc:
        raise ProtocolError(ErrorCode.BAD_FRAME, "corrupt snappy body") from exc


def pack(body, *, compress):
    """Return a binary frame for the body, Snappy-compressed when asked."""
    if compress:
        return bytes([FLAG_SNAPPY]) + bytes(cramjam.snappy.compress_raw(body))
    return b"\x00" + body
