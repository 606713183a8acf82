"""A consumer's main loop without a new task per message.

Channels' `await_many_dispatch` waits on the client and the channel layer
with `asyncio.wait`, and starts a fresh task for every message it hands on;
on the message path that was about a sixth of a consumer's time on the event
loop. Here each source gets one long-lived pump that receives and
dispatches in a loop, and a lock keeps Channels' guarantee that a consumer
handles one message at a time, in the order each source delivered them.
"""

import asyncio
import functools

from channels.exceptions import StopConsumer
from channels.layers import get_channel_layer


async def dispatch_each(sources, dispatch):
    """Feed what each awaitable source returns to `dispatch`, one message at a time.

    Returns when a dispatch raises (StopConsumer included), after stopping the
    other sources, and raises what it raised. The first source is pumped in
    the caller's own task and the others in one task each: an idle socket
    then holds one task fewer than under Channels' loop (10,000 idle sockets
    are a memory target).
    """
    lock = asyncio.Lock()

    async def pump(source):
        while True:
            message = await source()
            async with lock:
                await dispatch(message)

    caller = asyncio.current_task()
    failed = []

    def stop_caller(task):
        if not task.cancelled() and task.exception() is not None:
            failed.append(task.exception())
            caller.cancel()

    others = [asyncio.ensure_future(pump(source)) for source in sources[1:]]
    for task in others:
        task.add_done_callback(stop_caller)
    try:
        await pump(sources[0])
    except asyncio.CancelledError:
        if not failed:
            raise
        caller.uncancel()
        raise failed[0] from None
    finally:
        for task in others:
            task.remove_done_callback(stop_caller)
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)


class LeanDispatch:
    """Mixin for an async Channels consumer: the same `__call__`, with `dispatch_each`."""

    async def __call__(self, scope, receive, send):
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        sources = [receive]
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
            sources.append(self.channel_receive)
        self.base_send = send
        try:
            await dispatch_each(sources, self.dispatch)
        except StopConsumer:
            pass
