"""Send what daphne writes on the next turn of the event loop, without a round through epoll.

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
"""

from twisted.internet import tcp

_PATCHED = "_csbot_flush_next_turn"


def install(reactor):
    """Patch TCP connections of an asyncio-based Twisted reactor; anything else is left alone."""
    loop = getattr(reactor, "_asyncioEventloop", None)
    if loop is None or getattr(tcp.Connection, _PATCHED, False):
        return
    start_writing = tcp.Connection.startWriting
    stop_writing = tcp.Connection.stopWriting

    def flush(self):
        if not self.__dict__.pop("_csbot_flush_pending", False) or not self.connected:
            return  # stopWriting came first, or the connection is gone
        # The reactor's own write callback: it sends, and closes the connection
        # on an error or once a requested close has nothing left to send.
        reactor._readOrWrite(self, False)
        if self.connected and (self.offset < len(self.dataBuffer) or self._tempDataLen):
            start_writing(self)  # the kernel took only part: wait for writability

    def startWriting(self):
        if self.reactor is not reactor or self in reactor._writers:
            return start_writing(self)
        if not self.__dict__.get("_csbot_flush_pending"):
            self._csbot_flush_pending = True
            loop.call_soon(flush, self)

    def stopWriting(self):
        self.__dict__.pop("_csbot_flush_pending", None)
        stop_writing(self)

    tcp.Connection.startWriting = startWriting
    tcp.Connection.stopWriting = stopWriting
    setattr(tcp.Connection, _PATCHED, True)
