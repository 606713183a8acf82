"""Run sync domain code from async code, then publish what it published on commit."""

from channels.db import database_sync_to_async

from . import realtime


async def call(fn, /, *args, **kwargs):
    """Run a sync action off the event loop and send its events after it returns.

    Short, self-contained actions run on the thread pool rather than the one
    shared ORM thread, so a slow query on one socket does not queue all others.
    """
    result, items = await database_sync_to_async(realtime.collecting(fn), thread_sensitive=False)(*args, **kwargs)
    await realtime.publish_many(items)
    return result


async def read(fn, /, *args, **kwargs):
    """Run a sync read off the event loop."""
    return await database_sync_to_async(fn, thread_sensitive=False)(*args, **kwargs)
