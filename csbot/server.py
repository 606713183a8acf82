"""Daphne's server with csbot's WebSocket protocol, connection class, access log and workers.

Daphne has no setting for its protocol classes, so `python -m csbot.serve`
runs its command line with this server class (daphne's own extension point,
`CommandLineInterface.server_class`). What it changes, each for a reason the
contract or a measurement gave:

- Close codes. The contract closes with 1009, 1001, 1011 and 1013. RFC 6455
  lets a server send them, but autobahn's public `sendClose` accepts only
  1000 and 3000-4999, so daphne turns such a close into an exception and a
  1011. `WebSocketProtocol.serverClose` sends them with autobahn's
  lower-level `sendCloseFrame`, which makes the same state change.
- Going away. Daphne stops on SIGTERM without a close frame; clients then
  see 1006 and wait out a backoff. Here every open socket is sent 1001 once
  the listening ports are closed, so clients resume at once elsewhere, paced
  (csbot/drain.py) so that they do not all arrive at the other instances in
  the same second; daphne's cancelling of the applications waits for it.
- The outgoing budget and pong deadline of each socket (csbot/socket_guard.py).
- Writes without an epoll round (csbot/transport.py).
- The access log goes through logging, so the secret filter scrubs tokens in
  query strings like every other line (daphne writes it straight to stdout).
- The process's background workers start when the reactor runs, not with a
  first request (csbot/workers.py).
- Request bodies stay out of memory. Twisted parses every multipart POST
  into `request.args` before daphne sees it, and daphne never reads that: a
  12 MiB upload cost about fifteen times its size for a moment
  (bench/upload_memory.py). Daphne then queues the whole body for the
  application at once. Twisted keeps a large body in a temporary file, so an
  upload over the limit is answered 413 from there, before any of it is
  read back into memory. (`csbot.api_http` bounds bodies too, for other servers.)
"""

import daphne.server  # isort:skip  (installs the asyncio reactor: before anything imports Twisted's)

import logging
import weakref
from urllib.parse import unquote

from daphne.access import AccessLogGenerator
from daphne.http_protocol import HTTPFactory as DaphneHTTPFactory
from daphne.http_protocol import WebRequest as DaphneWebRequest
from daphne.ws_protocol import WebSocketProtocol as DaphneWebSocketProtocol
from twisted.internet import defer, reactor, tcp
from twisted.internet.task import deferLater

from csbot import drain, socket_guard, workers
from csbot.api_http import body_limit
from csbot.transport import FlushingConnection
from csbot.versions import require

require("daphne", "4.2", __name__)
require("autobahn", "26.10", __name__)
require("twisted", "26.10", __name__)

log = logging.getLogger(__name__)
access_log = logging.getLogger("csbot.access")

WIRE_ONLY_CODES = frozenset({1001, 1009, 1011, 1013})
GOING_AWAY = 1001
# Long enough for close frames written at shutdown to leave before the process does.
CLOSE_FLUSH_S = 0.3


class WebSocketProtocol(socket_guard.GuardedSocket, DaphneWebSocketProtocol):
    """Daphne's WebSocket protocol that can send every close code of the contract, and is counted for shutdown."""

    open_sockets: "weakref.WeakSet[WebSocketProtocol]" = weakref.WeakSet()

    def onOpen(self):
        WebSocketProtocol.open_sockets.add(self)
        return super().onOpen()

    def serverClose(self, code=None):
        if code in WIRE_ONLY_CODES:
            self.sendCloseFrame(code=code, isReply=False)
        else:
            super().serverClose(code=code)


class WebRequest(DaphneWebRequest):
    """Daphne's request without Twisted's form parsing, refusing an upload over its limit before reading it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Twisted's own per-request switch (set by its __init__); daphne reads the raw body only.
        self._parsePOSTFormSubmission = False

    def process(self):
        path = unquote(self.path.decode("ascii", "replace")) if isinstance(self.path, bytes) else ""
        limit = body_limit({"path": path}) if self.method == b"POST" else None
        if limit is not None and _body_size(self.content) > limit:
            return self._too_large()
        return super().process()

    def _too_large(self):
        body = b'{"error": "too_large", "message": "the upload is larger than allowed"}'
        self.setResponseCode(413)
        self.setHeader(b"Content-Type", b"application/json")
        self.setHeader(b"Content-Length", str(len(body)).encode())
        self.setHeader(b"Connection", b"close")
        self.write(body)
        self.finish()


def _body_size(content):
    content.seek(0, 2)
    size = content.tell()
    content.seek(0)
    return size


class HTTPFactory(DaphneHTTPFactory):
    """Daphne's HTTP factory making csbot's requests."""

    def buildProtocol(self, addr):
        protocol = super().buildProtocol(addr)
        protocol.requestFactory = WebRequest
        return protocol


class AccessLog(AccessLogGenerator):
    """Daphne's access log entries as records of the `csbot.access` logger (scrubbed by its handlers)."""

    def __init__(self):
        super().__init__(stream=None)

    def write_entry(self, host, date, request, status=None, length=None, ident=None, user=None):
        access_log.info('%s "%s" %s %s', host or "-", request, status or "-", length or "-")


class Server(daphne.server.Server):
    """Daphne's server with csbot's protocol and connection classes, shutdown close and workers."""

    def __init__(self, *args, action_logger=None, **kwargs):
        if action_logger is not None:
            action_logger = AccessLog()
        super().__init__(*args, action_logger=action_logger, **kwargs)

    @property
    def http_factory(self):
        return self._http_factory

    @http_factory.setter
    def http_factory(self, factory):
        # Daphne makes its factory in __init__; ours takes its place, for the same server.
        self._http_factory = factory if isinstance(factory, HTTPFactory) else HTTPFactory(factory.server)

    @property
    def ws_factory(self):
        return self._ws_factory

    @ws_factory.setter
    def ws_factory(self, factory):
        # Twisted's way to choose a factory's protocol: set on the instance daphne just made.
        factory.protocol = WebSocketProtocol
        self._ws_factory = factory

    def listen_success(self, port):
        if isinstance(port, tcp.Port):
            port.transport = FlushingConnection  # the class Twisted makes each accepted connection of
        self.ports.append(port)
        super().listen_success(port)

    def run(self):
        self.ports = []
        self._told = None
        reactor.addSystemEventTrigger("before", "shutdown", self.going_away)
        socket_guard.start_sweeps(reactor)
        reactor.callWhenRunning(workers.start)
        super().run()

    def going_away(self):
        """Close the listening ports, then tell every open socket 1001, paced; shutdown waits for the last frames."""
        # Ports first: a client told 1001 must not reconnect to this process
        # (Twisted would close them only after these triggers).
        for port in self.ports:
            port.stopListening()
        sockets = list(WebSocketProtocol.open_sockets)
        if not sockets:
            return None
        self._told = drain.tell_paced(sockets, _tell_going_away)
        self._told.addCallback(lambda told: deferLater(reactor, CLOSE_FLUSH_S, lambda: None))
        return self._told

    def kill_all_applications(self):
        """Cancel the applications once every socket was told 1001, not before.

        Daphne cancels them in the same shutdown phase as `going_away`; a
        socket still waiting for its 1001 must keep its consumer, or what its
        customer sends meanwhile would never be acknowledged.
        """
        kill = super().kill_all_applications
        if self._told is None or self._told.called:
            return kill()
        killed = defer.Deferred()

        def then(result):
            defer.maybeDeferred(kill).chainDeferred(killed)
            return result

        self._told.addBoth(then)
        return killed


def _tell_going_away(protocol):
    try:
        protocol.sendCloseFrame(code=GOING_AWAY, isReply=False)
    except Exception:  # A socket mid-handshake: nothing to say; one closing or closed is ignored by autobahn.
        pass
