"""Channel-layer events: a closed set of kinds, each with its constructor and at least one receiver."""

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from chat import events
from chat.events import CONSTRUCTORS, RECEIVERS, UNRECEIVED, Kind, Receiver

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("chat", "agents", "csbot")
SAMPLE = {"conversation_id": 7, "frame": {"type": "typing", "sender": "bot"}, "comment": "", "state": "join",
          "channel": "specific.x!1", "name": "Alice", "device_id": "phone", "generation": 1, "customer_id": 3}


def product_sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text())


def module_name(path):
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def sample_fields(constructor):
    return {name: SAMPLE[name] for name in inspect.signature(constructor).parameters}


@pytest.mark.parametrize("kind", list(Kind), ids=str)
def test_every_kind_has_a_constructor_that_makes_that_kind(kind):
    constructor = CONSTRUCTORS[kind]
    assert constructor.__name__ == kind.value and getattr(events, kind.value) is constructor
    event = constructor(**sample_fields(constructor))
    assert event["type"] == "chat.event" and event["kind"] == kind.value
    assert type(event["kind"]) is str  # a plain string on the wire, whatever the codec
    assert events.build(kind.value, **sample_fields(constructor)) == event


def test_an_unknown_kind_is_refused_at_construction():
    with pytest.raises(ValueError, match="unknown event kind"):
        events.build("mesage", conversation_id=1, frame={})
    with pytest.raises(ValueError):
        Receiver("a receiver of a kind nobody sends", {"mesage": None})
    with pytest.raises(ValueError):
        events.of_frame(conversation_id=1, frame={"type": "ack"})  # only unstored frames travel on their own


def test_a_constructor_takes_only_its_own_fields():
    with pytest.raises(TypeError):
        events.message(conversation_id=1, frame={}, comment="")
    with pytest.raises(TypeError):
        events.queue(conversation_id=1)


def test_an_unstored_frame_travels_under_its_own_type():
    frame = {"type": "stream", "conversation_id": "7", "stream_id": "s", "index": 0, "delta": "hi"}
    assert events.of_frame(conversation_id=7, frame=frame) == events.stream(conversation_id=7, frame=frame)


def test_the_wire_keeps_its_shape():
    frame = {"type": "rated", "conversation_id": "7", "score": 5}
    assert list(events.rated(conversation_id=7, comment="ok", frame=frame)) == [
        "type", "kind", "conversation_id", "comment", "frame"]
    assert events.queue() == {"type": "chat.event", "kind": "queue"}


def test_every_kind_has_a_receiver():
    receiving = sorted({module_name(path) for path, tree in product_sources() for node in ast.walk(tree)
                        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None))
                        == "Receiver"})
    assert len(receiving) >= 4  # the customer socket, the console, the long poll, the bot runner
    for name in receiving:
        importlib.import_module(name)
    received = {kind for receiver in RECEIVERS.values() for kind in receiver.handlers}
    assert received == {kind.value for kind in Kind} - UNRECEIVED
    assert not received & UNRECEIVED


async def test_a_receiver_runs_the_handler_of_the_kind_and_ignores_the_others():
    seen = []

    async def on_queue(owner, event):
        seen.append((owner, event["kind"]))

    receiver = Receiver("test receiver", {Kind.QUEUE: on_queue, Kind.STATUS: None})
    try:
        await receiver.dispatch("console", events.queue())
        await receiver.dispatch("console", events.status(conversation_id=1, frame={}))
        await receiver.dispatch("console", events.probe())
        assert seen == [("console", "queue")]
        assert receiver.takes(events.status(conversation_id=1, frame={})) and not receiver.takes(events.probe())
    finally:
        del RECEIVERS["test receiver"]


def test_no_module_but_chat_events_builds_an_event():
    """Publishers call the constructors: no dict literal carries the event type or a kind beside a type."""
    built = []
    for path, tree in product_sources():
        if module_name(path) == "chat.events":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                values = {v.value for v in node.values if isinstance(v, ast.Constant)}
                if "chat.event" in values or {"type", "kind"} <= keys:
                    built.append(f"{module_name(path)}:{node.lineno}")
            elif isinstance(node, ast.Constant) and node.value == "chat.event":
                built.append(f"{module_name(path)}:{node.lineno}")
    assert not built, f"build these events with chat.events: {built}"
