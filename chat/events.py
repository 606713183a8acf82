"""The channel layer's events: a closed set of kinds, one constructor per kind, one dispatch for receivers.

Every event is a wake-up about something the database already has (see
`chat.realtime`). On the wire an event is a plain dict, `{"type":
"chat.event", "kind": ..., **fields}`: Channels routes it to a consumer's
`chat_event`, and the consumer hands it to its `Receiver`. The types below
are for the code; building one costs a single dict.
"""

from collections.abc import Awaitable, Callable, Mapping
from enum import StrEnum
from typing import Any, Literal, TypedDict

# Channels calls a consumer's `chat_event` for this message type.
TYPE: Literal["chat.event"] = "chat.event"

Frame = dict[str, Any]


class Kind(StrEnum):
    """Every kind of event; a new one needs a constructor below and a receiver (tests/chat/test_events.py)."""

    MESSAGE = "message"  # a stored message, to the customer's sockets and the conversation's consoles
    STATUS = "status"  # a conversation's status or queue position changed
    RECEIPT = "receipt"  # an agent read up to a seq: the customer sees it
    RATED = "rated"  # the customer rated a closed conversation
    NOTE = "note"  # a private note or a refused message: staff only
    TYPING = "typing"  # someone is typing: never stored
    STREAM = "stream"  # a piece of the bot's answer being written: never stored
    QUEUE = "queue"  # the queue or the agents changed: consoles read their lists again
    VIEWER = "viewer"  # a console opened, still views or left a conversation
    CONNECTED = "connected"  # a customer's device said hello on some instance
    BLOCKED = "blocked"  # a customer was blocked: their sockets close
    BOT_TURN = "bot_turn"  # a bot turn is ready for any process's runner
    PROBE = "probe"  # readiness proves the layer answers


KINDS = frozenset(kind.value for kind in Kind)
# Readiness publishes probes to a group nobody joins.
UNRECEIVED = frozenset({Kind.PROBE})


class Event(TypedDict):
    type: Literal["chat.event"]
    kind: str


class ConversationFrame(Event):
    """An event that carries a server frame about one conversation."""

    conversation_id: int
    frame: Frame


class Rated(Event):
    conversation_id: int
    comment: str  # beside the frame: consoles show it, the customer's frame stays as the contract has it
    frame: Frame


class Viewer(Event):
    conversation_id: int
    state: str  # "join", "here" or "leave"
    channel: str
    name: str


class Connected(Event):
    device_id: str
    channel: str
    generation: int


class Blocked(Event):
    customer_id: int


class BotTurn(Event):
    conversation_id: int


# --- constructors, one per kind --------------------------------------------


def message(*, conversation_id: int, frame: Frame) -> ConversationFrame:
    return {"type": TYPE, "kind": "message", "conversation_id": conversation_id, "frame": frame}


def status(*, conversation_id: int, frame: Frame) -> ConversationFrame:
    return {"type": TYPE, "kind": "status", "conversation_id": conversation_id, "frame": frame}


def receipt(*, conversation_id: int, frame: Frame) -> ConversationFrame:
    return {"type": TYPE, "kind": "receipt", "conversation_id": conversation_id, "frame": frame}


def rated(*, conversation_id: int, comment: str, frame: Frame) -> Rated:
    return {"type": TYPE, "kind": "rated", "conversation_id": conversation_id, "comment": comment, "frame": frame}


def note(*, conversation_id: int, frame: Frame) -> ConversationFrame:
    return {"type": TYPE, "kind": "note", "conversation_id": conversation_id, "frame": frame}


def typing(*, conversation_id: int, frame: Frame) -> ConversationFrame:
    return {"type": TYPE, "kind": "typing", "conversation_id": conversation_id, "frame": frame}


def stream(*, conversation_id: int, frame: Frame) -> ConversationFrame:
    return {"type": TYPE, "kind": "stream", "conversation_id": conversation_id, "frame": frame}


def queue() -> Event:
    return {"type": TYPE, "kind": "queue"}


def viewer(*, conversation_id: int, state: str, channel: str, name: str) -> Viewer:
    return {"type": TYPE, "kind": "viewer", "conversation_id": conversation_id, "state": state, "channel": channel,
            "name": name}


def connected(*, device_id: str, channel: str, generation: int) -> Connected:
    return {"type": TYPE, "kind": "connected", "device_id": device_id, "channel": channel, "generation": generation}


def blocked(*, customer_id: int) -> Blocked:
    return {"type": TYPE, "kind": "blocked", "customer_id": customer_id}


def bot_turn(*, conversation_id: int) -> BotTurn:
    return {"type": TYPE, "kind": "bot_turn", "conversation_id": conversation_id}


def probe() -> Event:
    return {"type": TYPE, "kind": "probe"}


CONSTRUCTORS: Mapping[Kind, Callable[..., Event]] = {
    Kind.MESSAGE: message, Kind.STATUS: status, Kind.RECEIPT: receipt, Kind.RATED: rated, Kind.NOTE: note,
    Kind.TYPING: typing, Kind.STREAM: stream, Kind.QUEUE: queue, Kind.VIEWER: viewer, Kind.CONNECTED: connected,
    Kind.BLOCKED: blocked, Kind.BOT_TURN: bot_turn, Kind.PROBE: probe,
}


def of_frame(*, conversation_id: int, frame: Frame) -> ConversationFrame:
    """Return the event that carries an unstored frame (`typing` or `stream`) under the frame's own type."""
    kind = frame["type"]
    if kind == "stream":
        return stream(conversation_id=conversation_id, frame=frame)
    if kind == "typing":
        return typing(conversation_id=conversation_id, frame=frame)
    raise ValueError(f"no event carries a {kind!r} frame on its own")


def build(kind: str, **fields: Any) -> Event:
    """Return the event of a kind known only at run time; raise ValueError for a kind outside the set."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    return CONSTRUCTORS[Kind(kind)](**fields)


# --- receivers -------------------------------------------------------------

# A handler is called with its owner (the consumer, the runner) and the event.
Handler = Callable[[Any, Any], Awaitable[None]]
RECEIVERS: dict[str, "Receiver"] = {}


class Receiver:
    """What one receiver does with each kind it takes; it ignores the others.

    A kind mapped to None is taken with nothing to run: for a receiver that
    only needs to know it was woken (`takes`).
    """

    def __init__(self, name: str, handlers: Mapping[Kind, Handler | None]) -> None:
        # Plain strings as keys: the lookup is by the wire's value.
        self.handlers = {Kind(kind).value: handler for kind, handler in handlers.items()}
        self.name = name
        RECEIVERS[name] = self

    def takes(self, event: Mapping[str, Any]) -> bool:
        """Return whether the event is of a kind this receiver takes."""
        return event.get("kind", "") in self.handlers

    def handler(self, event: Mapping[str, Any]) -> Handler | None:
        """Return the handler of the event's kind, or None (a kind ignored, or taken with nothing to run)."""
        return self.handlers.get(event.get("kind", ""))

    async def dispatch(self, owner: Any, event: Mapping[str, Any]) -> None:
        """Run the handler of the event's kind on `owner`; do nothing for a kind it does not take."""
        handler = self.handlers.get(event.get("kind", ""))
        if handler is not None:
            await handler(owner, event)
