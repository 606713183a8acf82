"""A socket session moves the socket metrics: open, frames, bytes, ack latency, closes."""

import asyncio

import pytest
from prometheus_client import REGISTRY

from chat import metrics
from tests.chat.helpers import Socket, make_customer

pytestmark = pytest.mark.django_db(transaction=True)
JSON = "csbot.v1.json"


def sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Delta:
    """Read a set of samples now, and later the change since."""

    def __init__(self, **samples):
        self.samples = samples
        self.before = {key: sample(*spec[:1], **spec[1]) for key, spec in samples.items()}

    def __call__(self):
        return {key: sample(*spec[:1], **spec[1]) - self.before[key] for key, spec in self.samples.items()}


async def test_session_counts_connect_message_and_close():
    _, token = await asyncio.to_thread(make_customer, "o-metrics")
    delta = Delta(
        open=("csbot_sockets_open", {"role": "customer"}),
        hello=("csbot_frames_in_total", {"type": "hello", "encoding": JSON}),
        message=("csbot_frames_in_total", {"type": "message", "encoding": JSON}),
        acks=("csbot_frames_out_total", {"type": "ack", "encoding": JSON}),
        bytes_in=("csbot_bytes_in_total", {"encoding": JSON, "compressed": "false"}),
        bytes_out=("csbot_bytes_out_total", {"encoding": JSON, "compressed": "false"}),
        ack_count=("csbot_ack_latency_seconds_count", {}),
    )
    socket = Socket(token)
    await socket.open()
    await socket.hello()
    assert delta()["open"] == 1
    await socket.send({"type": "message", "client_msg_id": "m1", "text": "hello there"})
    await socket.expect("ack")
    await socket.close()
    await asyncio.sleep(0.05)
    changed = delta()
    assert changed["open"] == 0
    assert (changed["hello"], changed["message"], changed["acks"], changed["ack_count"]) == (1, 1, 1, 1)
    assert changed["bytes_in"] > len('{"type":"message","client_msg_id":"m1","text":"hello there"}')
    assert changed["bytes_out"] > changed["bytes_in"]  # welcome alone outweighs what the client sent


async def test_rate_limited_socket_counts_a_rate_limit_close(settings):
    settings.CSBOT_RATE_LIMIT_BURST = 3
    settings.CSBOT_RATE_LIMIT_PER_S = 0.01
    _, token = await asyncio.to_thread(make_customer, "o-flood")
    delta = Delta(limited=("csbot_rate_limit_closes_total", {}), closes=("csbot_socket_closes_total", {"code": "4429"}))
    socket = Socket(token)
    await socket.open()
    for _ in range(5):
        await socket.send({"type": "ping"})
    while (frame := await socket.recv())["type"] != "__closed__":
        pass
    assert frame["code"] == 4429
    assert delta() == {"limited": 1, "closes": 1}


async def test_heartbeat_timeout_is_counted(settings):
    settings.CSBOT_HEARTBEAT_S = 0.3
    _, token = await asyncio.to_thread(make_customer, "o-silent")
    delta = Delta(timeouts=("csbot_heartbeat_timeouts_total", {}))
    socket = Socket(token)
    await socket.open()
    await socket.hello()
    while (frame := await socket.recv(timeout=5))["type"] != "__closed__":
        pass
    assert frame["code"] == 4408
    # At least this socket: one an earlier test of the same process abandoned may time out
    # under the 0.3 s heartbeat as well (the counter is process-wide).
    assert delta()["timeouts"] >= 1


def test_agent_delivery_helper_observes_customer_messages_only():
    before = sample("csbot_agent_delivery_latency_seconds_count")
    metrics.observe_agent_delivery({"type": "message", "sender": "customer", "ts": 1})
    metrics.observe_agent_delivery({"type": "message", "sender": "agent", "ts": 1})
    metrics.observe_agent_delivery({"type": "message", "sender": "customer"})
    assert sample("csbot_agent_delivery_latency_seconds_count") - before == 1


def test_bot_helpers_observe_from_the_question_timestamp():
    first = sample("csbot_bot_first_delta_seconds_count")
    full = sample("csbot_bot_answer_seconds_count")
    metrics.observe_bot_first_delta(1_700_000_000_000)
    metrics.observe_bot_answer(1_700_000_000_000)
    assert sample("csbot_bot_first_delta_seconds_count") - first == 1
    assert sample("csbot_bot_answer_seconds_count") - full == 1
    assert metrics.seconds_since_ms(2_000, now=1.0) == 0.0  # a clock ahead never gives a negative time
