"""How the C allocator holds memory in a server process, and giving back what slow sockets left.

A client that does not read leaves up to its send budget (1 MiB) of unsent
frames in its transport; the socket guard drops them when the connection is
lost. Measured with twenty such sockets (bench/slow_readers.py), the freed
memory still stayed in the process, for two reasons of glibc's malloc:

- Its threshold for giving large blocks their own mapping rises with every
  such block freed (up to 32 MiB), after which megabyte-sized buffers come
  from the heap, and a heap returns to the system only what is free at its
  top. A fixed `M_MMAP_THRESHOLD` keeps large buffers in mappings of their
  own, which go back to the system the moment they are freed.
- Every thread that allocates (the database thread pool) may get an arena of
  its own, each keeping its free memory; `M_ARENA_MAX` caps how many.

What is still free inside the heap after slow sockets closed is handed back
by `malloc_trim`, at most once every few seconds, off the hot path.
Elsewhere than glibc all of this does nothing.
"""

import ctypes
import ctypes.util
import logging
import time

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
TRIM_EVERY_S = 5.0

_libc = None
_trim = {"due": False, "last": 0.0}


def _glibc():
    global _libc
    if _libc is None:
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _libc = libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else False
        except OSError:
            _libc = False
    return _libc or None


def apply(*, arena_max, mmap_threshold):
    """Set the allocator's limits; 0 leaves one as glibc has it. Call before threads start."""
    libc = _glibc()
    if libc is None:
        return
    if arena_max > 0:
        libc.mallopt(M_ARENA_MAX, arena_max)
    if mmap_threshold > 0:
        libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold)


def release_soon():
    """Hand free heap memory back to the system shortly, at most once every TRIM_EVERY_S (reactor thread)."""
    if _trim["due"] or _glibc() is None:
        return
    from twisted.internet import reactor

    _trim["due"] = True
    wait = max(0.5, _trim["last"] + TRIM_EVERY_S - time.monotonic())
    reactor.callLater(wait, _release)


def _release():
    _trim["due"] = False
    started = time.perf_counter()
    _glibc().malloc_trim(0)
    _trim["last"] = time.monotonic()
    log.info("heap trimmed", extra={"event": "malloc_trim", "ms": round((time.perf_counter() - started) * 1000, 2)})
