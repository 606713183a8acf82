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


async def test_a_hello_in_line_goes_before_new_connects_that_came_earlier():
    gate = Gate(at_once=1, max_waiting=10, max_wait_s=5)
    order = []

    async def enter(name, priority):
        async with gate.slot(priority):
            order.append(name)

    async with gate.slot():
        waiters = [asyncio.ensure_future(enter(f"connect {n}", admission.START)) for n in range(3)]
        await asyncio.sleep(0.01)
        waiters.append(asyncio.ensure_future(enter("hello", admission.FINISH)))
        await asyncio.sleep(0.01)
        assert gate.queued == [1, 3]
    await asyncio.wait_for(asyncio.gather(*waiters), 5)
    assert order == ["hello", "connect 0", "connect 1", "connect 2"]
    assert gate.free == 1 and gate.waiting == 0


async def test_a_new_socket_is_turned_away_at_once_when_the_line_would_outlast_the_wait():
    gate = Gate(at_once=1, max_waiting=100, max_wait_s=0.8)
    async with gate.slot():
        await asyncio.sleep(0.3)  # one turn measured: about 0.3 s
    assert 0.25 < gate.hold_s < 1.0
    release = asyncio.Event()

    async def hold(priority):
        async with gate.slot(priority):
            await release.wait()

    holder = asyncio.ensure_future(hold(admission.START))
    await asyncio.sleep(0.01)
    line = [asyncio.ensure_future(hold(admission.START)) for _ in range(2)]  # 3 turns before the next: ~0.9 s
    await asyncio.sleep(0.01)
    assert gate.waiting == 2
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(Overloaded, match="line is longer"):
        async with gate.slot(admission.START):
            pass
    assert loop.time() - started < 0.1  # at once, not after max_wait_s
    # A hello only waits behind other hellos: it joins the line.
    hello = asyncio.ensure_future(hold(admission.FINISH))
    await asyncio.sleep(0.01)
    assert gate.queued == [1, 2]
    release.set()
    await asyncio.wait_for(asyncio.gather(holder, hello, *line), 5)
    assert gate.free == 1 and gate.waiting == 0


async def test_a_waiter_cancelled_as_its_turn_came_passes_the_turn_on():
    gate = Gate(at_once=1, max_waiting=10, max_wait_s=5)
    entered = []

    async def enter(name):
        async with gate.slot():
            entered.append(name)

    async with gate.slot():
        first = asyncio.ensure_future(enter("first"))
        second = asyncio.ensure_future(enter("second"))
        await asyncio.sleep(0.01)
    first.cancel()  # its turn was handed over on release, before it could run
    await asyncio.wait_for(second, 5)
    with pytest.raises(asyncio.CancelledError):
        await first
    assert entered == ["second"]
    assert gate.free == 1 and gate.waiting == 0


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
    for _ in range(200):  # its connect reads the session in its turn: wait until that turn is given back
        if gate.free == 1:
            break
        await asyncio.sleep(0.01)
    assert gate.free == 1 and gate.waiting == 0
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
