"""What a client that does not read may cost: an outgoing budget and a pong deadline per socket.

Twisted keeps whatever the kernel will not take in the connection's write
buffer, without limit: a client that stops reading (or a hostile one asking
for history under the rate limit) grows the process by every frame sent to
it. Each socket here gets a push producer on its transport, so Twisted itself
says when the buffer is past its high-water mark (`pauseProducing`) and when
it has drained (`resumeProducing`). Bytes written while it is paused are
counted; past `CSBOT_SEND_BUDGET_BYTES` the socket is closed with 4413 and the
frame is dropped. The close frame waits behind the unread data, so autobahn's
close-handshake timeout then aborts the connection and frees the buffer.

Daphne's own keepalive ping is postponed by every frame the client sends, so a
chatty client that never reads is never timed out. Here every socket gets a
WebSocket ping after `CSBOT_HEARTBEAT_S` without a pong, whatever it sends,
and is closed when no pong came within two more heartbeats: 4413 when frames
are piling up unread, else 4408. Browsers and wx.connectSocket answer pings
by themselves.

Work for a socket past its budget is not started (`admit`, called by the
consumer before a history read), and what a closed non-reader had queued is
let go of as its connection goes, not at the next full garbage collection.
"""

import logging
import time
import weakref

from django.conf import settings
from twisted.internet.interfaces import IPushProducer
from zope.interface import implementer

log = logging.getLogger(__name__)

TOO_SLOW = 4413
HEARTBEAT_TIMEOUT = 4408
PING_PAYLOAD = b"csbot"
SWEEP_S = 1.0
_guarded: "weakref.WeakSet[GuardedSocket]" = weakref.WeakSet()


@implementer(IPushProducer)
class Guard:
    """One socket's account: what is queued beyond the transport's high-water mark, and its last pong."""

    def __init__(self, inner=None):
        # The producer already on the transport (daphne's HTTP channel, which
        # stops reading while writes back up) keeps getting every call.
        self.inner = inner
        self.paused = False
        self.queued = 0
        self.last_pong = time.monotonic()
        self.ping_sent = None

    def pauseProducing(self):
        if not self.paused:
            self.paused, self.queued = True, 0
        if self.inner is not None:
            self.inner.pauseProducing()

    def resumeProducing(self):
        self.paused, self.queued = False, 0
        if self.inner is not None:
            self.inner.resumeProducing()

    def stopProducing(self):
        if self.inner is not None:
            self.inner.stopProducing()

    def charge(self, nbytes, budget):
        """Count a frame about to be written; False when it would go over the budget."""
        if not self.paused:
            return True
        self.queued += nbytes
        return self.queued <= budget


class GuardedSocket:
    """Mixin for daphne's WebSocket protocol (csbot.server): every socket gets a `Guard`."""

    _csbot_guard = None

    def onOpen(self):
        _watch(self)
        return super().onOpen()

    def onPong(self, payload):
        guard = self._csbot_guard
        if guard is not None:
            guard.last_pong, guard.ping_sent = time.monotonic(), None
        return super().onPong(payload)

    def handle_reply(self, message):
        if message.get("type") == "websocket.send":
            if self.state in (self.STATE_CLOSING, self.STATE_CLOSED):
                return None  # Closing already: autobahn would raise into the application.
            guard = self._csbot_guard
            if guard is not None and guard.paused and not guard.charge(_size(message), settings.CSBOT_SEND_BUDGET_BYTES):
                return _close(self, TOO_SLOW, "send budget exceeded", guard)
        return super().handle_reply(message)

    def onClose(self, wasClean, code, reason):
        guard = self._csbot_guard
        if guard is not None and guard.paused and self.transport is not None:
            _drop_unsent(self.transport)  # the connection is gone: what the client never read goes too
        return super().onClose(wasClean, code, reason)


def admit(send, nbytes):
    """Say whether a socket may start work on an answer of up to `nbytes`; close it 4413 when it may not.

    `send` is the ASGI send callable daphne gave the socket's consumer. Work
    for a socket that is closing, or whose unread backlog plus this answer is
    over its budget, is wasted: the answer would only be dropped. Checking
    before the work (a history page is a database read) makes a client that
    does not read cheap from its first frame past the budget on. True when
    the socket is not guarded (another server, or in-process tests).
    """
    protocol = _protocol_of(send)
    guard = protocol._csbot_guard if protocol is not None else None
    if guard is None:
        return True
    if protocol.state != protocol.STATE_OPEN:
        return False
    if guard.paused and guard.queued + nbytes > settings.CSBOT_SEND_BUDGET_BYTES:
        guard.queued += nbytes
        _close(protocol, TOO_SLOW, "send budget exceeded", guard)
        return False
    return True


def _protocol_of(send):
    # Daphne hands each application `functools.partial(server.handle_reply, protocol)`.
    args = getattr(send, "args", None)
    protocol = args[0] if args else None
    return protocol if isinstance(protocol, GuardedSocket) else None


def _watch(protocol):
    """Put a guard in front of whatever producer the transport has (a transport holds one)."""
    transport = protocol.transport
    inner = getattr(transport, "producer", None)
    if inner is not None and not getattr(transport, "streamingProducer", True):
        return  # A pull producer cannot be told to pause: leave that socket as it is.
    if inner is not None:
        transport.unregisterProducer()
    guard = protocol._csbot_guard = Guard(inner)
    transport.registerProducer(guard, True)
    _guarded.add(protocol)


def _drop_unsent(transport):
    """Let go of a lost connection's unsent bytes now.

    The transport sits in reference cycles (with daphne's HTTP channel and the
    WebSocket protocol) that only a full collection frees, and full
    collections are rare here (csbot/gcpolicy.py): measured, the megabyte a
    non-reader had queued stayed allocated for tens of seconds after its
    connection was aborted, twenty sockets' worth at a time.
    """
    if not hasattr(transport, "_tempDataBuffer"):
        return  # not a plain Twisted TCP transport: leave its buffers to it
    transport.dataBuffer, transport.offset = b"", 0
    transport._tempDataBuffer, transport._tempDataLen = [], 0


def _size(message):
    data = message.get("bytes")
    return len(data) if data is not None else len((message.get("text") or "").encode())


def _close(protocol, code, why, guard):
    log.info("socket too slow" if code == TOO_SLOW else "socket missed its pongs",
             extra={"event": "slow_close", "close_code": code, "reason": why, "queued_bytes": guard.queued})
    try:
        from chat import metrics

        metrics.closes.labels(code=str(code)).inc()
    except ImportError:
        pass
    protocol.sendClose(code=code)


def sweep(now=None):
    """Ping every open socket that has been quiet a heartbeat; close those whose pong is overdue."""
    now = time.monotonic() if now is None else now
    heartbeat = settings.CSBOT_HEARTBEAT_S
    for protocol in list(_guarded):
        guard = protocol._csbot_guard
        if guard is None or protocol.state != protocol.STATE_OPEN:
            continue
        if guard.ping_sent is None:
            if now - guard.last_pong >= heartbeat:
                guard.ping_sent = now
                protocol.sendPing(PING_PAYLOAD)
        elif now - guard.ping_sent > 2 * heartbeat:
            _close(protocol, TOO_SLOW if guard.paused else HEARTBEAT_TIMEOUT, "no pong", guard)


def start_sweeps(reactor):
    """Sweep every SWEEP_S seconds once `reactor` runs (csbot.server starts it)."""
    from twisted.internet import task

    loop = task.LoopingCall(_safe_sweep)
    reactor.callWhenRunning(loop.start, SWEEP_S, now=False)


def _safe_sweep():
    try:
        sweep()
    except Exception:  # One bad socket must not stop the sweeps of all the others.
        log.exception("socket guard sweep failed")
