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
import collections
import contextlib
import time
import weakref

from django.conf import settings

from . import metrics

FINISH = 0  # a socket admitted once already, for its hello: served first
START = 1  # a new socket's connect
HOLD_SMOOTHING = 0.1  # weight of the newest hold time in the running estimate


class Overloaded(Exception):
    """This process cannot take another socket now; the client should retry later."""


class Gate:
    """A bounded number of holders at once, a bounded line of waiters, a bounded wait.

    Two lines, served in order: sockets finishing what they started (a hello
    after an admitted connect) before new sockets, since a socket turned away
    at its hello has had its connect for nothing. A new socket is turned
    away at once, rather than after `max_wait_s` in line, when the line
    ahead of it would take longer than that at the rate holders have been
    leaving: the client's backoff then starts at once, and no turn is spent
    on a socket that would be refused anyway.
    """

    def __init__(self, at_once, max_waiting, max_wait_s):
        self.at_once = max(1, at_once)
        self.free = self.at_once
        self.max_waiting = max_waiting
        self.max_wait_s = max_wait_s
        self.lines = (collections.deque(), collections.deque())  # futures, by priority; given up ones are skipped
        self.queued = [0, 0]  # waiters still in each line
        self.hold_s = 0.0  # running estimate of how long a holder keeps its turn (0: none measured yet)

    @property
    def waiting(self):
        return self.queued[FINISH] + self.queued[START]

    def expected_wait_s(self, priority):
        """How long a newcomer with this priority would wait, at the recent rate of turns."""
        ahead = self.queued[FINISH] + (self.queued[START] if priority == START else 0)
        return (ahead + 1) * self.hold_s / self.at_once

    @contextlib.asynccontextmanager
    async def slot(self, priority=START):
        if self.free > 0 and not self.waiting:
            self.free -= 1
        else:
            await self._wait(priority)
        taken = time.perf_counter()
        try:
            yield
        finally:
            held = time.perf_counter() - taken
            self.hold_s = held if not self.hold_s else self.hold_s + HOLD_SMOOTHING * (held - self.hold_s)
            self._release()

    async def _wait(self, priority):
        if self.waiting >= self.max_waiting:
            metrics.admission_refused.labels(reason="queue_full").inc()
            raise Overloaded("too many sockets waiting")
        if priority == START and self.expected_wait_s(priority) > self.max_wait_s:
            metrics.admission_refused.labels(reason="line_too_long").inc()
            raise Overloaded("the line is longer than a client should wait")
        turn = asyncio.get_running_loop().create_future()
        self.lines[priority].append(turn)
        self.queued[priority] += 1
        started = time.perf_counter()
        try:
            await asyncio.wait((turn,), timeout=self.max_wait_s)
        except BaseException:  # cancelled while in line: a turn handed over meanwhile goes to the next
            self._give_up(turn)
            raise
        finally:
            self.queued[priority] -= 1
        if not turn.done():
            self._give_up(turn)
            metrics.admission_refused.labels(reason="waited_too_long").inc()
            raise Overloaded("waited too long for a turn")
        metrics.admission_wait.observe(time.perf_counter() - started)

    def _give_up(self, turn):
        if turn.done() and not turn.cancelled():
            self._release()
        else:
            turn.cancel()  # left in its line, skipped by _release

    def _release(self):
        for line in self.lines:
            while line:
                turn = line.popleft()
                if not turn.done():
                    turn.set_result(None)  # the turn passes straight to this waiter
                    return
        self.free += 1


_gates: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Gate]" = weakref.WeakKeyDictionary()  # per event loop (tests run several)


def admission_gate():
    """Return this event loop's admission gate, sized from settings."""
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = Gate(settings.CSBOT_ADMIT_AT_ONCE, settings.CSBOT_ADMIT_QUEUE, settings.CSBOT_ADMIT_WAIT_S)
    return gate
