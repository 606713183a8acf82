"""Let daphne send the close codes the protocol needs.

The contract closes with 1009 (frame too big), 1001 (going away), 1011
(server error) and 1013 (try again later). RFC 6455 allows a server to send them, but autobahn's public
`sendClose` accepts only 1000 and 3000-4999, so daphne turns such a close
into an exception and a 1011. This sends the close frame through autobahn's
lower-level call instead, which performs the same state change.
"""

import weakref
from urllib.parse import unquote

WIRE_ONLY_CODES = frozenset({1001, 1009, 1011, 1013})
GOING_AWAY = 1001
_open_sockets = weakref.WeakSet()


def install():
    """Patch daphne's server-side close once; harmless when daphne is absent."""
    try:
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:
        return
    if getattr(WebSocketProtocol, "_csbot_close_codes", False):
        return
    original = WebSocketProtocol.serverClose

    def server_close(self, code=None):
        if code in WIRE_ONLY_CODES:
            self.sendCloseFrame(code=code, isReply=False)
        else:
            original(self, code=code)

    WebSocketProtocol.serverClose = server_close
    WebSocketProtocol._csbot_close_codes = True
    _close_sockets_on_shutdown(WebSocketProtocol)
    _send_without_epoll_round()
    _guard_sockets(WebSocketProtocol)
    _bound_uploads()


def _bound_uploads():
    """Keep request bodies out of daphne's memory: no form parsing, and oversized uploads refused by Twisted.

    Twisted parses every multipart POST into `request.args` before daphne
    sees it, which daphne never reads: a 12 MiB upload cost about fifteen
    times its size in memory for a moment (bench/upload_memory.py). Then
    daphne queues the whole body for the application at once. Twisted keeps
    a large body in a temporary file; an upload over the limit is answered
    413 from there, before any of it is read back into memory. The API
    handler (`csbot.api_http`) bounds the body as well, for other servers.
    """
    from daphne.http_protocol import WebRequest

    from csbot.api_http import UPLOAD_PATHS, body_limit

    if getattr(WebRequest, "_csbot_bounded", False):
        return
    original_init, original = WebRequest.__init__, WebRequest.process

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self._parsePOSTFormSubmission = False  # Twisted's own switch; set per request by its __init__

    WebRequest.__init__ = init

    def process(self):
        path = unquote(self.path.decode("ascii", "replace")) if isinstance(self.path, bytes) else ""
        if path in UPLOAD_PATHS and self.method == b"POST" and _body_size(self) > body_limit({"path": path}):
            return _too_large(self)
        return original(self)

    WebRequest.process = process
    WebRequest._csbot_bounded = True


def _body_size(request):
    content = request.content
    content.seek(0, 2)
    size = content.tell()
    content.seek(0)
    return size


def _too_large(request):
    body = b'{"error": "too_large", "message": "the upload is larger than allowed"}'
    request.setResponseCode(413)
    request.setHeader(b"Content-Type", b"application/json")
    request.setHeader(b"Content-Length", str(len(body)).encode())
    request.setHeader(b"Connection", b"close")
    request.write(body)
    request.finish()


def _guard_sockets(protocol_class):
    from csbot import socket_guard

    socket_guard.install(protocol_class)


def _send_without_epoll_round():
    from twisted.internet import reactor

    from csbot import socket_writes

    socket_writes.install(reactor)


def _close_sockets_on_shutdown(protocol_class):
    """Send 1001 to every open socket when daphne stops, so clients resume at once.

    Daphne itself stops on SIGTERM without a close frame; clients then see
    1006 and wait out a backoff before they come back.
    """
    original_open = protocol_class.onOpen

    def on_open(self):
        _open_sockets.add(self)
        return original_open(self)

    protocol_class.onOpen = on_open
    try:
        from twisted.internet import reactor
    except ImportError:
        return
    reactor.addSystemEventTrigger("before", "shutdown", _going_away)


def _going_away():
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    _stop_listening(reactor)
    sent = 0
    for protocol in list(_open_sockets):
        try:
            protocol.sendCloseFrame(code=GOING_AWAY, isReply=False)
            sent += 1
        except Exception:  # A socket mid-handshake or already closing: nothing to say.
            pass
    # Shutdown waits on this, so the close frames leave before the process does.
    return deferLater(reactor, 0.3, lambda: None) if sent else None


def _stop_listening(reactor):
    """Close the listening ports first, so a client told 1001 cannot reconnect to this process.

    Twisted closes them only after the "before shutdown" triggers; until then
    a proxy would still hand the reconnect back to the instance that is going
    away, and that client would see a second close.
    """
    from twisted.internet import tcp

    for reader in list(reactor.getReaders()):
        if isinstance(reader, tcp.Port):
            reader.stopListening()
