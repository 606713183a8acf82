"""The only code that changes conversation state, one module per actor.

Every action runs in one transaction, locks the conversation row when it
hands out a seq or changes status, writes its audit event naming the actor,
and tells sockets only once the transaction has committed. Consumers, HTTP
views, the admin, the bot and management commands all call these functions.

- `customer`: messages (in batches), refused messages, ratings;
- `bot`: the bot's replies and turns;
- `agent`: taking over, replies, notes, handing back or on;
- `system`: assignment from the queue, notices;
- `core`: what they share, and the actions of more than one actor (open,
  hand off, close, mark read);
- `queue`: who waits for an agent, in what order.

The public names are re-exported here for callers that use several actors.
"""

from .agent import add_private_note, return_to_bot, send_agent_reply, take_over, transfer_conversation
from .bot import (
    TurnResult,
    begin_bot_stream,
    complete_bot_turn,
    complete_bot_turns,
    complete_pending_turns,
    post_bot_reply,
)
from .core import (
    ConversationStateError,
    Recorded,
    close_conversation,
    latest_conversation,
    mark_read,
    open_conversation,
    request_handoff,
)
from .customer import (
    Incoming,
    rate_conversation,
    record_customer_message,
    record_customer_messages,
    record_refused_message,
)
from .queue import queue_position
from .system import assign_conversation, post_system_message, unassign_to_queue

__all__ = [
    "ConversationStateError",
    "Incoming",
    "Recorded",
    "TurnResult",
    "add_private_note",
    "assign_conversation",
    "begin_bot_stream",
    "close_conversation",
    "complete_bot_turn",
    "complete_bot_turns",
    "complete_pending_turns",
    "latest_conversation",
    "mark_read",
    "open_conversation",
    "post_bot_reply",
    "post_system_message",
    "queue_position",
    "rate_conversation",
    "record_customer_message",
    "record_customer_messages",
    "record_refused_message",
    "request_handoff",
    "return_to_bot",
    "send_agent_reply",
    "take_over",
    "transfer_conversation",
    "unassign_to_queue",
]
