"""The consumer main loop: one message at a time, each source in order, stops cleanly."""

import asyncio

import pytest
from channels.exceptions import StopConsumer

from chat.dispatching import dispatch_each


def source_of(queue):
    return queue.get


async def test_messages_are_handled_one_at_a_time_and_each_source_in_order():
    client, layer = asyncio.Queue(), asyncio.Queue()
    for i in range(50):
        client.put_nowait(("client", i))
        layer.put_nowait(("layer", i))
    seen, busy = [], False

    async def dispatch(message):
        nonlocal busy
        assert not busy, "two messages were dispatched at once"
        busy = True
        await asyncio.sleep(0)  # give the other source every chance to cut in
        seen.append(message)
        busy = False
        if len(seen) == 100:
            raise StopConsumer

    with pytest.raises(StopConsumer):
        await asyncio.wait_for(dispatch_each([source_of(client), source_of(layer)], dispatch), 10)
    assert [i for kind, i in seen if kind == "client"] == list(range(50))
    assert [i for kind, i in seen if kind == "layer"] == list(range(50))
    assert {kind for kind, _ in seen[:10]} == {"client", "layer"}, "one source starved the other"


async def test_an_error_in_dispatch_stops_every_source_and_is_raised():
    layer_waiting = asyncio.Event()
    layer_tasks = []

    async def client():
        await layer_waiting.wait()
        return "boom"

    async def layer():
        layer_tasks.append(asyncio.current_task())
        layer_waiting.set()
        await asyncio.Event().wait()

    async def dispatch(message):
        raise RuntimeError(message)

    with pytest.raises(RuntimeError, match="boom"):
        await asyncio.wait_for(dispatch_each([client, layer], dispatch), 10)
    assert layer_tasks and all(task.done() for task in layer_tasks)


async def test_an_error_from_a_channel_layer_message_stops_the_consumer_too():
    client_waiting = []
    layer = asyncio.Queue()

    async def client():
        client_waiting.append(asyncio.current_task())
        await asyncio.Event().wait()

    async def dispatch(message):
        raise StopConsumer if message == "stop" else RuntimeError(message)

    layer.put_nowait("stop")
    with pytest.raises(StopConsumer):
        await asyncio.wait_for(dispatch_each([client, source_of(layer)], dispatch), 10)
    assert client_waiting


async def test_cancelling_the_consumer_cancels_its_sources():
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def forever():
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    async def dispatch(message):
        pass

    task = asyncio.create_task(dispatch_each([forever], dispatch))
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled.is_set()
