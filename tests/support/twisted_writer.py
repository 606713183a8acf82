"""A Twisted TCP server on the asyncio reactor, with csbot's connection class, for tests.

    python tests/support/twisted_writer.py PORT_FILE

Each connection is sent a pattern of small and large writes (8 MiB in all,
more than the kernel takes at once), then closed with loseConnection. The
client checks it received every byte in order and then EOF.
"""

import asyncio
import socket
import sys
from pathlib import Path

from twisted.internet import protocol

TOTAL = 8 * 1024 * 1024
PATTERN = bytes(range(251)) * (256 * 1024 // 251 + 2)


def expected():
    """The whole stream a client must receive."""
    return b"".join(chunks())


def chunks():
    """Small frames (like acks), then ever larger ones, up to TOTAL bytes."""
    sent, size, n = 0, 7, 0
    while sent < TOTAL:
        size = min(size * 2 if n % 50 == 49 else size, 256 * 1024, TOTAL - sent)
        yield PATTERN[sent % 251:sent % 251 + size]
        sent += size
        n += 1


class Writer(protocol.Protocol):
    def connectionMade(self):
        # A small send buffer, so the kernel takes only part of most writes.
        self.transport.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32 * 1024)
        for chunk in chunks():
            self.transport.write(chunk)
        self.transport.loseConnection()


def main():
    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
    from twisted.internet import reactor

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from csbot.transport import FlushingConnection

    factory = protocol.Factory.forProtocol(Writer)
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    port.transport = FlushingConnection  # as csbot.server sets it on daphne's ports
    Path(sys.argv[1]).write_text(f"{port.getHost().port} {port.transport.__name__}")
    reactor.callLater(60, reactor.stop)  # bounded, whatever the test does
    reactor.run()


if __name__ == "__main__":
    main()
