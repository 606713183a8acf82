"""Run sync domain code from async code, then publish what it published on commit."""

import asyncio
import weakref

from channels.db import database_sync_to_async
from django.conf import settings

from . import realtime


async def call(fn, /, *args, **kwargs):
    """Run a sync action off the event loop and send its events after it returns.

    Short, self-contained actions run on the thread pool rather than the one
    shared ORM thread, so a slow query on one socket does not queue all others.
    """
    result, items = await _collecting(fn, *args, **kwargs)
    await realtime.publish_many(items)
    return result


def _collecting(fn, /, *args, **kwargs):
    """Run fn on the thread pool; return (its result, what it published on commit)."""
    return database_sync_to_async(realtime.collecting(fn), thread_sensitive=False)(*args, **kwargs)


async def read(fn, /, *args, **kwargs):
    """Run a sync read off the event loop."""
    return await database_sync_to_async(fn, thread_sensitive=False)(*args, **kwargs)


_bulk_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


async def read_bulk(fn, /, *args, **kwargs):
    """Like `read`, for a large read that any client may ask for again and again (history pages).

    At most CSBOT_BULK_READS_AT_ONCE of them run at a time; the others wait on
    the event loop, not in the thread pool, so clients asking for pages at
    their rate limit never hold every thread while others' messages wait.
    """
    loop = asyncio.get_running_loop()
    slots = _bulk_slots.get(loop)
    if slots is None:
        slots = _bulk_slots[loop] = asyncio.Semaphore(settings.CSBOT_BULK_READS_AT_ONCE)
    async with slots:
        return await read(fn, *args, **kwargs)
