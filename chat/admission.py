"""Admission for reconnect storms: how many new sockets one process reads the database for at once.

When an instance dies or restarts, all of its customers come back together.
Each new socket reads the database twice before it is served: its session
at connect, then at `hello` the device claim and the welcome page or a
resume's replay. Database work runs on a small thread pool (six threads on
two cores) shared with every message being stored, and that pool's queue is
first come, first served: a few thousand reconnects at once would queue every
customer's `ack` behind them. Here at most CSBOT_ADMIT_AT_ONCE of those reads
run per process; the others wait on the event loop, which costs a task and
nothing else. A socket that would be the CSBOT_ADMIT_QUEUE-th in line, or that
has waited CSBOT_ADMIT_WAIT_S, is closed with 1013 (contract section 6: try
again later, with backoff, on any instance): the client's jittered backoff
spreads the storm out, and the instance keeps serving the customers it has.
"""

import asyncio
import contextlib
import time
import weakref

from django.conf import settings

from . import metrics


class Overloaded(Exception):
    """This process cannot take another socket now; the client should retry later."""


class Gate:
    """A bounded number of holders at once, a bounded line of waiters, a bounded wait."""

    def __init__(self, at_once, max_waiting, max_wait_s):
        self.slots = asyncio.Semaphore(at_once)
        self.max_waiting = max_waiting
        self.max_wait_s = max_wait_s
        self.waiting = 0

    @contextlib.asynccontextmanager
    async def slot(self):
        if self.slots.locked() and self.waiting >= self.max_waiting:
            metrics.admission_refused.labels(reason="queue_full").inc()
            raise Overloaded("too many sockets waiting")
        self.waiting += 1
        started = time.perf_counter()
        try:
            await asyncio.wait_for(self.slots.acquire(), self.max_wait_s)
        except TimeoutError:
            metrics.admission_refused.labels(reason="waited_too_long").inc()
            raise Overloaded("waited too long for a turn") from None
        finally:
            self.waiting -= 1
        metrics.admission_wait.observe(time.perf_counter() - started)
        try:
            yield
        finally:
            self.slots.release()


_gates: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Gate]" = weakref.WeakKeyDictionary()  # per event loop (tests run several)


def admission_gate():
    """Return this event loop's admission gate, sized from settings."""
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = Gate(settings.CSBOT_ADMIT_AT_ONCE, settings.CSBOT_ADMIT_QUEUE, settings.CSBOT_ADMIT_WAIT_S)
    return gate
