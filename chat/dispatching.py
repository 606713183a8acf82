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
import logging

from channels.exceptions import StopConsumer
from channels.layers import get_channel_layer

from csbot.versions import require

# `LeanDispatch.__call__` follows channels' `AsyncConsumer.__call__` of this series.
require("channels", "4.3", __name__)

log = logging.getLogger(__name__)
# RFC 6455's "try again later": the contract's answer when a dependency is down.
TRY_AGAIN_LATER = 1013


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
        self.base_send = send
        sources = [receive]
        if self.channel_layer is not None:
            try:
                self.channel_name = await self.channel_layer.new_channel()
            except Exception as exc:
                # Redis is down: without a channel the socket would be deaf, and an
                # exception here would reach the client as an HTTP 500.
                log.warning("channel layer unavailable at connect: %r", exc)
                return await self.refuse_for_now(receive)
            self.channel_receive = functools.partial(_receive_from_layer, self.channel_layer, self.channel_name)
            sources.append(self.channel_receive)
        try:
            await dispatch_each(sources, self.dispatch)
        except StopConsumer:
            pass

    def subprotocol_for(self, offered):
        """Return the subprotocol to accept from those offered (None: accept without one)."""
        return None

    async def refuse_for_now(self, receive):
        """Accept the handshake, then close with 1013 so the client retries with backoff."""
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        subprotocol = self.subprotocol_for(self.scope.get("subprotocols") or [])
        await self.base_send({"type": "websocket.accept", "subprotocol": subprotocol})
        await self.base_send({"type": "websocket.close", "code": TRY_AGAIN_LATER})


async def _receive_from_layer(layer, channel_name):
    """Wait for the next channel-layer message; a layer error is logged and waited out, never raised."""
    while True:
        try:
            return await layer.receive(channel_name)
        except Exception as exc:
            log.warning("channel layer receive failed: %r", exc)
            await asyncio.sleep(1)
