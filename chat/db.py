"""Run sync domain code from async code, then publish what it published on commit."""

from channels.db import database_sync_to_async

from . import realtime


async def call(fn, /, *args, **kwargs):
    """Run a sync action off the event loop and send its events after it returns.

    Short, self-contained actions run on the thread pool rather than the one
    shared ORM thread, so a slow query on one socket does not queue all others.
    """
    result, items = await _collecting(fn, *args, **kwargs)
    await realtime.publish_many(items)
    return result


async def call_then_publish_later(fn, /, *args, **kwargs):
    """Like `call`, but return at once after the commit and publish in the background, in order.

    For the hot path: the caller can acknowledge what was stored while the
    wake-ups for other sockets are still on their way.
    """
    result, items = await _collecting(fn, *args, **kwargs)
    realtime.publish_in_order(items)
    return result


def _collecting(fn, /, *args, **kwargs):
    """Run fn on the thread pool; return (its result, what it published on commit)."""
    return database_sync_to_async(realtime.collecting(fn), thread_sensitive=False)(*args, **kwargs)


async def read(fn, /, *args, **kwargs):
    """Run a sync read off the event loop."""
    return await database_sync_to_async(fn, thread_sensitive=False)(*args, **kwargs)
