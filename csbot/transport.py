"""The TCP connection class of daphne's listening ports: writes leave on the next loop turn, without epoll.

Twisted buffers every write, registers the socket with epoll for
writability, sends when the next poll reports it writable, and unregisters
it: two epoll_ctl system calls and a poll wake-up for every frame. For a
chat socket that sends one small frame at a time (an ack, a message, a
pong) that bookkeeping cost more than the send; profiles of the message
path had it at about a tenth of the event loop.

This keeps Twisted's buffering (everything written in one turn still leaves
in one send, and nothing is sent from inside the caller's `write`) but, when
the socket is not already waiting on epoll, asks the event loop to flush it
on its next turn instead. Only what the kernel did not take (a full send
buffer, a slow reader) falls back to epoll, exactly as before.

`tcp.Port.transport` names the class a port makes for each accepted
connection; csbot.server sets it on daphne's ports (an instance attribute,
Twisted's own way to choose it), so nothing in Twisted is patched.
"""

from twisted.internet import tcp
from twisted.python import failure

from csbot.versions import require

require("twisted", "26.10", __name__)


class FlushingConnection(tcp.Server):
    """An accepted TCP connection that flushes on the next turn of the asyncio loop."""

    _flush_pending = False
    _polling = False  # registered with the reactor for writability

    def startWriting(self):
        loop = getattr(self.reactor, "_asyncioEventloop", None)
        if loop is None or self._polling:
            return self._poll_for_writability()
        if not self._flush_pending:
            self._flush_pending = True
            loop.call_soon(self._flush)

    def stopWriting(self):
        self._flush_pending = self._polling = False
        super().stopWriting()

    def _poll_for_writability(self):
        self._polling = True
        super().startWriting()

    def _flush(self):
        if not self._flush_pending or not self.connected:
            return  # stopWriting came first, or the connection is gone
        self._flush_pending = False
        # What the reactor does when epoll reports the socket writable: send,
        # and close the connection on an error or once a requested close has
        # nothing left to send.
        try:
            why = self.doWrite()
        except Exception as exc:
            why = exc
        if why:
            self.reactor.removeReader(self)
            self.reactor.removeWriter(self)
            self.connectionLost(failure.Failure(why))
            return
        if self.connected and (self.offset < len(self.dataBuffer) or self._tempDataLen):
            self._poll_for_writability()  # the kernel took only part: wait for writability
