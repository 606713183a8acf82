"""Going away at a pace the other instances can take.

On a stop every open socket is told 1001, and the contract has its client
reconnect at once. Told all at once, every customer of the stopping instance
arrives at the others in the same second: a reconnect storm that queues at
their admission for seconds (measured in a rolling restart: close to synced
again 2.5 s at p50, acks during the roll 4.2 s at p99). Told in slices over a
few seconds, each customer is back within the time of one hello, and the
ones still waiting for their 1001 keep chatting on this instance, which goes
on serving them until it has told them all.
"""

import math

from django.conf import settings
from twisted.internet import defer, reactor

# How often a slice of sockets is told: often enough that a slice is small.
SLICE_S = 0.05


def plan(count, *, rate, max_s):
    """Return (slice size, slices) telling `count` sockets at `rate` a second, within `max_s` seconds."""
    if count <= 0:
        return 0, 0
    seconds = min(count / max(rate, 1e-9), max_s)
    slices = max(1, math.ceil(seconds / SLICE_S))
    size = math.ceil(count / slices)
    return size, math.ceil(count / size)


def tell_paced(sockets, tell):
    """Call `tell(socket)` for every socket, slice by slice; return a Deferred fired after the last slice."""
    sockets = list(sockets)
    size, slices = plan(len(sockets), rate=settings.CSBOT_DRAIN_RATE, max_s=settings.CSBOT_DRAIN_MAX_S)
    done = defer.Deferred()
    if not sockets:
        done.callback(0)
        return done

    def slice_(n):
        for socket in sockets[n * size:(n + 1) * size]:
            tell(socket)
        if n + 1 < slices:
            reactor.callLater(SLICE_S, slice_, n + 1)
        else:
            done.callback(len(sockets))

    slice_(0)
    return done
