"""The customer's actions: messages stored in batches, refused messages, ratings.

The hot path: a batch of messages from many customers is one statement on
PostgreSQL (`chat.batch_statement`); the general path here opens conversations
where needed and always serves SQLite.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .. import batch_statement, events, realtime, sql
from ..models import Conversation, Media, Message, SenderKind
from ..presenters import message_frame, rated_frame
from .bot import _queue_bot_turns
from .core import (
    ConversationStateError,
    Kind,
    Recorded,
    Status,
    _insert_messages,
    _lock,
    _pk,
    _publish_message,
    _record_event,
    open_conversation,
)
from .queue import _publish_queue


@dataclass(frozen=True)
class Incoming:
    """A customer's message as it arrived, before it is stored."""

    customer_id: int
    client_msg_id: str
    text: str
    # The customer's own upload (checked before), or None for text only.
    media: Media | None = None


def _lock_open_conversations(customer_ids):
    """Lock the customers' open conversations, in id order so batches never deadlock.

    Returns {customer_id: conversation}.
    """
    table = sql.table(Conversation)
    found = sql.rows(
        f"SELECT {sql.columns(Conversation)} FROM {table} WHERE customer_id IN ({sql.placeholders(len(customer_ids))}) "
        f"AND status <> %s ORDER BY id{sql.for_update()}",
        [*customer_ids, Status.CLOSED],
    )
    return {c.customer_id: c for c in sql.instances(Conversation, found)}


def _stored_messages(customer_ids, client_msg_ids):
    """Return {(customer_id, client_msg_id): latest message} among what is stored already, in any conversation."""
    table, conversations = Message._meta.db_table, Conversation._meta.db_table
    found = sql.rows(
        f"SELECT c.customer_id, m.client_msg_id, m.id FROM {table} m JOIN {conversations} c "
        f"ON c.id = m.conversation_id WHERE c.customer_id IN ({sql.placeholders(len(customer_ids))}) "
        f"AND m.client_msg_id IN ({sql.placeholders(len(client_msg_ids))}) ORDER BY m.id",
        [*customer_ids, *client_msg_ids],
    )
    if not found:  # the usual case: no resend, no further query
        return {}
    messages = Message.objects.in_bulk([row[2] for row in found])
    return {(customer_id, client_msg_id): messages[pk] for customer_id, client_msg_id, pk in found}


def record_customer_message(*, customer, client_msg_id, text, media=None):
    """Store a customer's message once per client_msg_id, opening a conversation if needed."""
    item = Incoming(customer_id=_pk(customer), client_msg_id=client_msg_id, text=text, media=media)
    return record_customer_messages(items=[item])[0]


def record_customer_messages(*, items, wake_bot=True):
    """Store customer messages in one transaction, exactly as if one by one in order.

    Each customer's open conversation is locked first (opened if none is), so
    duplicates are checked and seqs handed out under the lock: two copies of a
    message racing through two instances store one. On PostgreSQL the usual
    batch is one statement (`batch_statement`); what it cannot do, such as
    opening a conversation, takes the general path below.

    The bot's runners are woken for the turns queued, unless `wake_bot` is
    False: the caller then answers them itself (`chat.bot.direct`).
    """
    now = timezone.now()
    stored = batch_statement.store(items, now=now, bot_enabled=settings.CSBOT_BOT_ENABLED)
    if stored is None:
        return _record_customer_messages(items, now, wake_bot)
    _announce_customer_messages(stored.created, stored.bot_turns if wake_bot else [], stored.queue_moved)
    return [Recorded(message=message, created=created) for message, created in stored.results]


@transaction.atomic
def _record_customer_messages(items, now, wake_bot):
    """The general path: one statement per step, opening conversations where needed."""
    customer_ids = sorted({item.customer_id for item in items})
    client_msg_ids = sorted({item.client_msg_id for item in items})
    conversations = _lock_open_conversations(customer_ids)
    opened = {}
    for customer_id in customer_ids:
        if customer_id not in conversations:
            opened[customer_id] = open_conversation(customer=customer_id, actor=SenderKind.CUSTOMER)
            conversations[customer_id] = _lock(opened[customer_id])
    # Looked up under the locks, so a copy a racing transaction stored is seen.
    known = _stored_messages(customer_ids, client_msg_ids)
    results, created = [], []
    for item in items:
        key = (item.customer_id, item.client_msg_id)
        if key in known:
            results.append(Recorded(message=known[key], created=False))
            continue
        conversation = conversations[item.customer_id]
        conversation.last_seq += 1
        message = known[key] = Message(
            conversation=conversation, seq=conversation.last_seq, sender=SenderKind.CUSTOMER,
            client_msg_id=item.client_msg_id, text=item.text, media=item.media,
        )
        created.append(message)
        results.append(Recorded(message=message, created=True, opened=opened.pop(item.customer_id, None)))
    if created:
        _store_customer_messages(created, now, wake_bot)
    return results


def _store_customer_messages(messages, now, wake_bot):
    """Insert new customer messages, move their conversations on and queue bot turns, in bulk."""
    queue_moved = False
    for message in messages:
        message.created_at = now
        conversation = message.conversation
        if conversation.first_customer_message_at is None:
            conversation.first_customer_message_at = now
            queue_moved |= conversation.status == Status.QUEUED
    _insert_messages(messages)
    _save_heads({m.conversation_id: m.conversation for m in messages}.values())
    turns = _queue_bot_turns(messages)
    _announce_customer_messages(messages, turns if wake_bot else [], queue_moved)


def _announce_customer_messages(messages, turns, queue_moved):
    """On commit: each message to its sockets, a wake-up to the bot's runners, the queue if it moved."""
    for message in messages:
        _publish_message(message.conversation, message)
    for conversation_id in turns:
        realtime.publish_on_commit(realtime.BOT_TURNS_GROUP, events.bot_turn(conversation_id=conversation_id))
    if queue_moved:
        _publish_queue()


def _save_heads(conversations):
    """Write each conversation's last_seq and first message time in one statement.

    The ORM's bulk_update builds a CASE expression per row and field, which
    cost more than the rest of the hot path together; VALUES does the same in
    one plain statement on both SQLite and PostgreSQL.
    """
    rows = [(c.pk, c.last_seq, connection.ops.adapt_datetimefield_value(c.first_customer_message_at)) for c in conversations]
    table = Conversation._meta.db_table
    sql.run(
        f"UPDATE {table} SET last_seq = v.column2, first_customer_message_at = v.column3 "
        f"FROM (VALUES {sql.placeholders(len(rows), 3)}) AS v WHERE {table}.id = v.column1",
        [value for row in rows for value in row],
    )


@transaction.atomic
def record_refused_message(*, customer, client_msg_id, text, media=None):
    """Keep a customer text the content check refused: for staff only, with no seq and no bot turn.

    Deduplicated like any message: a resend of a stored client_msg_id returns
    what is stored (refused or not) and stores nothing.
    """
    customer_id = _pk(customer)
    conversation = _lock_open_conversations([customer_id]).get(customer_id)
    if conversation is None:
        conversation = _lock(open_conversation(customer=customer_id, actor=SenderKind.CUSTOMER))
    existing = _stored_messages([customer_id], [client_msg_id]).get((customer_id, client_msg_id))
    if existing is not None:
        return Recorded(message=existing, created=False)
    [message] = _insert_messages([Message(
        conversation=conversation, seq=None, refused=True, sender=SenderKind.CUSTOMER, client_msg_id=client_msg_id,
        text=text, media=media,
    )])
    # Staff see it, marked refused; the customer's other devices and the bot never do.
    realtime.publish_on_commit(
        realtime.conversation_group(conversation.pk),
        events.note(conversation_id=conversation.pk, frame=message_frame(message)),
    )
    return Recorded(message=message, created=True)


@transaction.atomic
def rate_conversation(*, customer, score, comment="", conversation_id=None):
    """Store the customer's 1-5 rating of a closed conversation (the latest by default)."""
    closed = Conversation.objects.select_for_update().filter(customer=customer, status=Status.CLOSED)
    conversation = (
        closed.filter(pk=conversation_id).first() if conversation_id else closed.order_by("-closed_at", "-pk").first()
    )
    if conversation is None:
        raise ConversationStateError("nothing_to_rate", "no closed conversation to rate")
    conversation.rating = score
    conversation.rating_comment = comment
    conversation.save(update_fields=["rating", "rating_comment"])
    # The comment goes with its score: a later rating replaces the conversation's, not the record of this one.
    _record_event(conversation, Kind.RATED, actor=SenderKind.CUSTOMER, score=score, comment=comment)
    realtime.publish_on_commit(
        realtime.conversation_group(conversation.pk),
        # The comment rides beside the frame: consoles show it, the customer's frame stays as the contract has it.
        events.rated(conversation_id=conversation.pk, comment=comment, frame=rated_frame(conversation.pk, score)),
    )
    return conversation
