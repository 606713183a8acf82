"""Reconnect storms: a bounded number of hellos at once, a bounded line, and 1013 for the rest."""

import asyncio

import pytest
from channels.db import database_sync_to_async

from chat import admission
from chat.admission import Gate, Overloaded
from chat.models import Device

from .helpers import Socket, make_customer, token_for


async def test_the_gate_holds_at_most_its_slots_and_lets_the_next_in_line_through():
    gate = Gate(at_once=2, max_waiting=10, max_wait_s=5)
    inside, peak = 0, 0
    release = asyncio.Event()

    async def hello():
        nonlocal inside, peak
        async with gate.slot():
            inside += 1
            peak = max(peak, inside)
            await release.wait()
            inside -= 1

    tasks = [asyncio.ensure_future(hello()) for _ in range(5)]
    await asyncio.sleep(0.05)
    assert (inside, gate.waiting) == (2, 3)
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert peak == 2 and gate.waiting == 0


async def test_a_full_line_is_refused_at_once_and_a_long_wait_is_refused_after_the_wait():
    gate = Gate(at_once=1, max_waiting=1, max_wait_s=0.2)
    async with gate.slot():
        waiter = asyncio.ensure_future(gate.slot().__aenter__())
        await asyncio.sleep(0.01)
        with pytest.raises(Overloaded):  # the line holds one, and it is taken
            async with gate.slot():
                pass
        with pytest.raises(Overloaded):  # the one in line gave up after max_wait_s
            await waiter
        assert gate.waiting == 0
    async with gate.slot():  # nothing leaked: the slot is free again
        pass


@pytest.mark.django_db(transaction=True)
async def test_a_connect_or_hello_beyond_the_line_closes_1013_and_changes_nothing(settings):
    settings.CSBOT_ADMIT_AT_ONCE, settings.CSBOT_ADMIT_QUEUE, settings.CSBOT_ADMIT_WAIT_S = 1, 0, 5
    customer, _ = await database_sync_to_async(make_customer)()
    token = await database_sync_to_async(token_for)(customer, "phone")
    admission._gates.pop(asyncio.get_running_loop(), None)
    gate = admission.admission_gate()

    @database_sync_to_async
    def generations():
        return list(Device.objects.filter(customer=customer, device_id="phone").values_list("generation", flat=True))

    early = Socket(token, device_id="phone")
    await early.open()  # connected before the storm
    async with gate.slot():  # every turn taken, as in a storm
        await early.send({"type": "hello", "device_id": "phone", "platform": "web"})
        assert await early.recv() == {"type": "__closed__", "code": 1013}
        late = Socket(token, device_id="phone")
        await late.open()
        assert await late.recv() == {"type": "__closed__", "code": 1013}
    before = await generations()

    retry = Socket(token, device_id="phone")  # the client's retry, once the storm has passed
    await retry.open()
    welcome, _, _ = await retry.hello()
    assert welcome["recovered"] is False
    after = await generations()
    assert before in ([], [0]) and after == [1]  # only the accepted hello claimed the device
    await retry.close()
