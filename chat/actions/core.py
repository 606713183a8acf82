"""What every action shares, and the actions of more than one actor.

The building blocks: the state error, the row lock, the audit event, storing
and publishing a message, changing and publishing a status. The actions open
a conversation, hand it to the queue (asked by the customer or the bot), close
it (by an agent, the bot or the system) and record how far a side has read.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import events, metrics, notifications, realtime, sql
from ..models import Conversation, ConversationEvent, Message, SenderKind
from ..presenters import message_frame, receipt_frame, status_frame
from ..protocol.errors import ErrorCode
from .queue import _publish_queue, queue_position

Status = Conversation.Status
Kind = ConversationEvent.Kind


class ConversationStateError(Exception):
    """The action does not apply to the conversation in its current state."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = ErrorCode(code)  # one of the shared codes, or a ValueError at the raise


@dataclass(frozen=True)
class Recorded:
    message: Message
    created: bool
    opened: Conversation | None = None


# --- building blocks ------------------------------------------------------


def _pk(obj):
    return obj if isinstance(obj, int) else obj.pk


def _lock(conversation):
    """Return the conversation row, locked until the transaction ends."""
    return Conversation.objects.select_for_update().get(pk=_pk(conversation))


def _record_event(conversation, kind, *, actor, actor_user=None, from_status="", **data):
    return ConversationEvent.objects.create(
        conversation=conversation,
        kind=kind,
        actor=actor,
        actor_user=actor_user,
        from_status=from_status,
        to_status=conversation.status,
        data=data,
    )


def _store_message(conversation, *, sender, text, sender_user=None, sender_name="", client_msg_id=None, stream_id=None,
                   media=None):
    """Store a visible message under the next seq of a locked conversation."""
    conversation.last_seq += 1
    message = Message(
        conversation=conversation,
        seq=conversation.last_seq,
        sender=sender,
        sender_user=sender_user,
        sender_name=sender_name,
        client_msg_id=client_msg_id,
        text=text,
        stream_id=stream_id,
        media=media,
    )
    _insert_messages([message])
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=conversation.last_seq)
    _publish_message(conversation, message)
    if sender in (SenderKind.AGENT, SenderKind.BOT) and notifications.enabled():
        notifications.schedule_reply(conversation=conversation, message=message)
    return message


def _insert_messages(messages):
    """Insert messages with one statement and give them their ids: the one way a message row is written.

    Customers' batches, the bot's replies, staff messages and notes all come
    here; the columns are the model's. (On PostgreSQL a batch of customer
    messages is written by `batch_statement`, whose INSERT is built from the
    same fields.)
    """
    return sql.insert(Message, messages, match=("conversation", "seq"))


def _publish_message(conversation, message):
    frame = message_frame(message)
    for group in (realtime.customer_group(conversation.customer_id), realtime.conversation_group(conversation.pk)):
        realtime.publish_on_commit(group, events.message(conversation_id=conversation.pk, frame=frame))


def _publish_status(conversation):
    frame = status_frame(conversation, queue_position(conversation))
    realtime.publish_on_commit(
        realtime.customer_group(conversation.customer_id),
        events.status(conversation_id=conversation.pk, frame=frame),
    )
    realtime.publish_on_commit(
        realtime.conversation_group(conversation.pk),
        events.status(conversation_id=conversation.pk, frame=frame),
    )


def _change_status(conversation, to_status, kind, *, actor, actor_user=None, **data):
    from_status = conversation.status
    was_queued = from_status == Status.QUEUED
    conversation.status = to_status
    conversation.save()
    _record_event(conversation, kind, actor=actor, actor_user=actor_user, from_status=from_status, **data)
    _publish_status(conversation)
    if was_queued or to_status == Status.QUEUED:
        _publish_queue()


# --- opening and reading --------------------------------------------------


def open_conversation(*, customer, actor=SenderKind.SYSTEM):
    """Return the customer's open conversation, opening one with the bot if none is."""
    existing = Conversation.objects.filter(customer=customer).exclude(status=Status.CLOSED).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(customer_id=_pk(customer), status=Status.BOT)
            _record_event(conversation, Kind.OPENED, actor=actor)
            _publish_status(conversation)
            return conversation
    except IntegrityError:
        # Another device opened one at the same moment; the database allows one.
        return Conversation.objects.filter(customer=customer).exclude(status=Status.CLOSED).get()


def latest_conversation(customer):
    """Return the customer's open conversation, else the most recent one, else None.

    One plain statement (a customer has at most one open conversation): every
    poll starts here.
    """
    found = sql.rows(
        f"SELECT {sql.columns(Conversation)} FROM {sql.table(Conversation)} WHERE customer_id = %s"
        " ORDER BY CASE WHEN status = %s THEN 1 ELSE 0 END, id DESC LIMIT 1",
        [_pk(customer), Status.CLOSED],
    )
    return sql.instances(Conversation, found)[0] if found else None


# --- actions of more than one actor ---------------------------------------


@transaction.atomic
def request_handoff(*, conversation, actor, reason="", actor_user=None):
    """Put a bot conversation in the queue for a human; queued or agent ones stay."""
    conversation = _lock(conversation)
    if conversation.status == Status.CLOSED:
        raise ConversationStateError("conversation_closed", "the conversation is closed")
    if conversation.status != Status.BOT:
        return conversation
    conversation.waiting_since = timezone.now()
    _change_status(conversation, Status.QUEUED, Kind.HANDOFF_REQUESTED, actor=actor, actor_user=actor_user, reason=reason)
    metrics.handoffs.labels(reason=reason or "unspecified").inc()
    return conversation


@transaction.atomic
def close_conversation(*, conversation, actor, actor_user=None, reason=""):
    """Close an open conversation; the customer is then asked for a rating."""
    conversation = _lock(conversation)
    if conversation.status == Status.CLOSED:
        return conversation
    conversation.closed_at = timezone.now()
    conversation.waiting_since = None
    _change_status(conversation, Status.CLOSED, Kind.CLOSED, actor=actor, actor_user=actor_user, reason=reason)
    if actor != SenderKind.CUSTOMER and conversation.first_customer_message_at and notifications.enabled():
        notifications.schedule_rate_request(conversation=conversation)
    return conversation


def mark_read(*, conversation, seq, reader):
    """Record how far the customer or the agent has read; the other side gets a receipt."""
    field = "customer_read_seq" if reader == SenderKind.CUSTOMER else "agent_read_seq"
    with transaction.atomic():
        updated = Conversation.objects.filter(pk=_pk(conversation), **{f"{field}__lt": seq}).update(**{field: seq})
        if updated and reader != SenderKind.CUSTOMER:
            conv = Conversation.objects.only("customer_id").get(pk=_pk(conversation))
            realtime.publish_on_commit(
                realtime.customer_group(conv.customer_id),
                events.receipt(conversation_id=conv.pk, frame=receipt_frame(seq)),
            )
    return bool(updated)
