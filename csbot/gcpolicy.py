"""How the garbage collector runs in a server process, and how long it pauses.

A full collection walks every tracked object and stops the event loop while it
does: with 1,000 sockets open one took 100-310 ms, eight times in a
90-second load run, and those pauses were the p99 of ack latency. Two changes
keep them rare and short (figures in docs/performance.md):

- `gc.freeze()` once the application is loaded moves Django's, the
  libraries' and the settings' objects out of every later collection; they
  live as long as the process anyway.
- A larger first threshold (10,000 allocations instead of 700) lets the
  short-lived objects of a frame or a batch die before a collection sees
  them, so far fewer reach the older generations and full collections
  become rare. Cyclic garbage waits a little longer; memory stays the same
  to within a few KiB per socket.

Every collection's pause is recorded in `csbot_gc_pause_seconds`, so an
operator sees whether this still holds at their load.
"""

import gc
import time

from prometheus_client import Histogram

PAUSE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1)
gc_pause = Histogram("csbot_gc_pause_seconds", "Garbage collection pauses", ["generation"], buckets=PAUSE_BUCKETS)

_started: dict[str, float] = {}


def _record(phase, info):
    if phase == "start":
        _started["at"] = time.perf_counter()
    elif "at" in _started:
        gc_pause.labels(generation=str(info["generation"])).observe(time.perf_counter() - _started.pop("at"))


def parse_thresholds(value):
    """Parse "10000,20,100" into gc.set_threshold's three numbers; raise ValueError otherwise."""
    numbers = [int(part) for part in value.split(",")]
    if len(numbers) != 3 or any(n < 1 for n in numbers):
        raise ValueError(f"expected three positive integers, got {value!r}")
    return tuple(numbers)


def apply(*, freeze, thresholds):
    """Set the thresholds, freeze what is loaded so far (when asked) and start recording pauses."""
    gc.set_threshold(*parse_thresholds(thresholds))
    if freeze:
        gc.collect()
        gc.freeze()
    if _record not in gc.callbacks:
        gc.callbacks.append(_record)
    for generation in range(3):  # exported from the start, so rates and alerts see 0 rather than no series
        gc_pause.labels(generation=str(generation))
