"""A batch of customer messages stored by one PostgreSQL statement.

`actions.customer.record_customer_messages` locks each customer's open
conversation, looks for resends, inserts the new messages, moves each
conversation's last_seq on and queues the bot's turns: six round trips with
BEGIN and COMMIT. On a busy machine every round trip waits for the database
process to be scheduled and for the GIL to come back, and that wait, not the
database's work, was most of a batch's time. Here the same steps are one
statement with data-modifying CTEs, run as its own transaction.

It writes all or nothing. When a customer has no open conversation, nothing
is written and the caller takes the general path, which opens one. The
statement sees the database as it was when it started, so a copy of a message
that a racing transaction committed while this one waited for the lock is not
seen as a resend; the unique (conversation, client_msg_id) constraint then
fails the whole statement and the caller takes the general path, whose
statements each see what is committed. The tests run both paths on the same
batches and compare what they stored and returned.
"""

from dataclasses import dataclass
from functools import cache

from django.db import IntegrityError, connection, transaction

from . import sql
from .models import BotTurn, Conversation, Message, SenderKind

Status = Conversation.Status


# What the statement writes beyond the fields' defaults, as SQL over its CTEs' rows.
_MESSAGE_COLUMNS = {
    "conversation_id": "conversation_id", "seq": "seq", "sender": "%(customer)s", "client_msg_id": "client_msg_id",
    "text": "text", "media_id": "media_id", "created_at": "%(now)s",
}
_TURN_COLUMNS = {"conversation_id": "n.conversation_id", "message_id": "n.id", "created_at": "%(now)s"}


@cache
def _statement():
    """The statement and its fixed parameters (the other fields' defaults), built from the models' fields."""
    conversations, messages, turns = Conversation._meta.db_table, Message._meta.db_table, BotTurn._meta.db_table
    message_columns, message_select, message_defaults = sql.insert_select(
        Message, columns=_MESSAGE_COLUMNS, values={}, named="message")
    turn_columns, turn_select, turn_defaults = sql.insert_select(BotTurn, columns=_TURN_COLUMNS, values={}, named="turn")
    return f"""
WITH input AS (
    SELECT * FROM unnest(%(customers)s::bigint[], %(client_msg_ids)s::text[], %(texts)s::text[], %(media)s::bigint[])
        WITH ORDINALITY AS i(customer_id, client_msg_id, text, media_id, ord)
), locked AS (
    -- In id order, as the general path locks, so the two never deadlock.
    SELECT id, customer_id, status, first_customer_message_at IS NULL AS first, last_seq
    FROM {conversations} WHERE customer_id = ANY(%(customers)s::bigint[]) AND status <> %(closed)s
    ORDER BY id FOR UPDATE
), known AS (
    SELECT DISTINCT ON (c.customer_id, m.client_msg_id) c.customer_id, m.client_msg_id, m.id
    FROM {messages} m JOIN {conversations} c ON c.id = m.conversation_id
    WHERE c.customer_id = ANY(%(customers)s::bigint[]) AND m.client_msg_id = ANY(%(client_msg_ids)s::text[])
    ORDER BY c.customer_id, m.client_msg_id, m.id DESC
), fresh AS (
    SELECT i.ord, l.id AS conversation_id, i.client_msg_id, i.text, i.media_id,
           l.last_seq + row_number() OVER (PARTITION BY l.id ORDER BY i.ord) AS seq
    FROM input i JOIN locked l ON l.customer_id = i.customer_id
    WHERE (SELECT count(*) FROM locked) = (SELECT count(DISTINCT customer_id) FROM input)
      AND NOT EXISTS (SELECT 1 FROM known k WHERE k.customer_id = i.customer_id AND k.client_msg_id = i.client_msg_id)
      AND NOT EXISTS (SELECT 1 FROM input e
                      WHERE e.customer_id = i.customer_id AND e.client_msg_id = i.client_msg_id AND e.ord < i.ord)
), inserted AS (
    INSERT INTO {messages} ({message_columns})
    SELECT {message_select} FROM fresh
    RETURNING id, conversation_id, seq
), heads AS (
    UPDATE {conversations} c
    SET last_seq = f.last_seq, first_customer_message_at = COALESCE(c.first_customer_message_at, %(now)s)
    FROM (SELECT conversation_id, max(seq) AS last_seq FROM fresh GROUP BY conversation_id) f
    WHERE c.id = f.conversation_id
), turns AS (
    INSERT INTO {turns} ({turn_columns})
    SELECT {turn_select}
    FROM inserted n JOIN locked l ON l.id = n.conversation_id
    WHERE %(bot_enabled)s AND l.status = %(bot)s
)
SELECT i.ord, i.customer_id, l.id, l.status, l.first, n.id, n.seq, k.id
FROM input i
LEFT JOIN locked l ON l.customer_id = i.customer_id
LEFT JOIN fresh f ON f.ord = i.ord
LEFT JOIN inserted n ON n.conversation_id = f.conversation_id AND n.seq = f.seq
LEFT JOIN known k ON k.customer_id = i.customer_id AND k.client_msg_id = i.client_msg_id
ORDER BY i.ord
""", {**message_defaults, **turn_defaults}


@dataclass
class Stored:
    """What one statement stored: a (message, created) pair per item, in order."""

    results: list
    created: list
    # Conversations whose first customer message came while they were queued:
    # the queue counts only those, so it moved.
    queue_moved: bool
    bot_turns: list


def store(items, *, now, bot_enabled):
    """Store the batch with one statement; return a Stored, or None when the general path must do it."""
    if connection.vendor != "postgresql":
        return None
    params = {
        "customers": [item.customer_id for item in items],
        "client_msg_ids": [item.client_msg_id for item in items],
        "texts": [item.text for item in items],
        "media": [item.media.pk if item.media is not None else None for item in items],
        "closed": Status.CLOSED, "customer": SenderKind.CUSTOMER, "now": now,
        "bot_enabled": bot_enabled, "bot": Status.BOT,
    }
    statement, defaults = _statement()
    params.update(defaults)
    try:
        # Inside a caller's transaction a savepoint keeps a failure from spoiling it;
        # otherwise the statement is a transaction of its own, with no BEGIN or COMMIT to wait for.
        if connection.in_atomic_block:
            with transaction.atomic():
                found = sql.rows(statement, params)
        else:
            found = sql.rows(statement, params)
    except IntegrityError:
        return None
    if any(conversation_id is None for _, _, conversation_id, *_ in found):
        return None
    return _stored(items, found, now, bot_enabled)


def _stored(items, found, now, bot_enabled):
    known = Message.objects.in_bulk([row[7] for row in found if row[5] is None and row[7] is not None])
    conversations, by_key, results, created = {}, {}, [], []
    queue_moved, bot_turns = False, set()
    for item, (_, customer_id, conversation_id, status, first, message_id, seq, known_id) in zip(items, found):
        key = (customer_id, item.client_msg_id)
        if message_id is None:
            results.append((known[known_id] if known_id is not None else by_key[key], False))
            continue
        conversation = conversations.get(conversation_id)
        if conversation is None:
            conversation = conversations[conversation_id] = Conversation.from_db(
                connection.alias, ["id", "customer_id", "status"], [conversation_id, customer_id, status]
            )
            queue_moved |= first and status == Status.QUEUED
            if bot_enabled and status == Status.BOT:
                bot_turns.add(conversation_id)
        message = by_key[key] = sql.from_values(Message, {
            "id": message_id, "conversation_id": conversation_id, "seq": seq, "sender": SenderKind.CUSTOMER,
            "client_msg_id": item.client_msg_id, "text": item.text,
            "media_id": item.media.pk if item.media is not None else None, "created_at": now,
        })
        if item.media is not None:
            message.media = item.media
        message.conversation = conversation
        created.append(message)
        results.append((message, True))
    return Stored(results=results, created=created, queue_moved=queue_moved, bot_turns=sorted(bot_turns))
