"""Admission for reconnect storms: how many hellos one process answers at once, and how long others may wait.

When an instance dies or restarts, all of its customers come back together,
each with a `hello` that reads the database (the device claim, the welcome
page or a resume's replay). Database work runs on a small thread pool shared
with every message being stored, so a few thousand hellos at once would queue
every customer's `ack` behind them and hold database connections until the
pool's timeout. Here at most CSBOT_HELLO_AT_ONCE hellos run per process; the
rest wait on the event loop, which costs nothing but a task. A hello that
would be the CSBOT_HELLO_QUEUE-th in line, or that has waited CSBOT_HELLO_WAIT_S,
is turned away with 1013 (contract section 6: try again later, with backoff,
on any instance): the client's jittered backoff spreads the storm out, and the
instance keeps serving the customers it has.
"""

import asyncio
import contextlib
import time
import weakref

from django.conf import settings

from . import metrics


class Overloaded(Exception):
    """This process cannot take another hello now; the client should retry later."""


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
            raise Overloaded("too many hellos waiting")
        self.waiting += 1
        started = time.perf_counter()
        try:
            await asyncio.wait_for(self.slots.acquire(), self.max_wait_s)
        except TimeoutError:
            metrics.admission_refused.labels(reason="waited_too_long").inc()
            raise Overloaded("waited too long for a hello slot") from None
        finally:
            self.waiting -= 1
        metrics.admission_wait.observe(time.perf_counter() - started)
        try:
            yield
        finally:
            self.slots.release()


_gates = weakref.WeakKeyDictionary()  # event loop -> Gate (tests run several loops in one process)


def hello_gate():
    """Return this event loop's hello gate, sized from settings."""
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = Gate(settings.CSBOT_HELLO_AT_ONCE, settings.CSBOT_HELLO_QUEUE, settings.CSBOT_HELLO_WAIT_S)
    return gate
