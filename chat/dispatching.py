"""A consumer's main loop without a new task per message.

Channels' `await_many_dispatch` waits on the client and the channel layer
with `asyncio.wait`, and starts a fresh task for every message it hands on;
on the message path that was about a sixth of a consumer's time on the event
loop. Here each source gets one long-lived task that receives and
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
    other sources, and raises what it raised.
    """
    lock = asyncio.Lock()

    async def pump(source):
        while True:
            message = await source()
            async with lock:
                await dispatch(message)

    tasks = [asyncio.ensure_future(pump(source)) for source in sources]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


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

