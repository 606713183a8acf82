"""The only code that changes conversation state.

Every action runs in one transaction, locks the conversation row when it
hands out a seq or changes status, writes its audit event, and tells sockets
only once the transaction has committed. Consumers, HTTP views, the admin, the
bot and management commands all call these functions.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import batch_statement, metrics, notifications, realtime, sql
from .models import BotTurn, Conversation, ConversationEvent, Media, Message, SenderKind
from .presenters import message_frame, status_frame

Status = Conversation.Status
Kind = ConversationEvent.Kind


class ConversationStateError(Exception):
    """The action does not apply to the conversation in its current state."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


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
    message = Message.objects.create(
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
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=conversation.last_seq)
    _publish_message(conversation, message)
    if sender in (SenderKind.AGENT, SenderKind.BOT) and notifications.enabled():
        notifications.schedule_reply(conversation=conversation, message=message)
    return message


def _publish_message(conversation, message):
    frame = message_frame(message)
    for group in (realtime.customer_group(conversation.customer_id), realtime.conversation_group(conversation.pk)):
        realtime.publish_on_commit(group, realtime.event("message", conversation_id=conversation.pk, frame=frame))


def _queued():
    """Conversations waiting for an agent; ones without a customer message wait for nobody."""
    return Conversation.objects.filter(status=Status.QUEUED, first_customer_message_at__isnull=False)


def queue_position(conversation):
    """Return the 1-based place of a queued conversation, first come first served."""
    # Without a customer message nobody serves it yet (see _queued): a place in line would mislead.
    if conversation.status != Status.QUEUED or conversation.waiting_since is None:
        return None
    if conversation.first_customer_message_at is None:
        return None
    waiting = conversation.waiting_since
    ahead = _queued().filter(Q(waiting_since__lt=waiting) | Q(waiting_since=waiting, pk__lt=conversation.pk))
    return ahead.count() + 1


def _publish_status(conversation):
    frame = status_frame(conversation, queue_position(conversation))
    realtime.publish_on_commit(
        realtime.customer_group(conversation.customer_id),
        realtime.event("status", conversation_id=conversation.pk, frame=frame),
    )
    realtime.publish_on_commit(
        realtime.conversation_group(conversation.pk),
        realtime.event("status", conversation_id=conversation.pk, frame=frame),
    )


def _publish_queue():
    """Tell every queued customer their place, and agents that the queue moved."""
    queued = _queued().order_by("waiting_since", "pk")
    for position, conversation in enumerate(queued, start=1):
        realtime.publish_on_commit(
            realtime.customer_group(conversation.customer_id),
            realtime.event(
                "status",
                conversation_id=conversation.pk,
                frame=status_frame(conversation, position),
            ),
        )
    realtime.publish_on_commit(realtime.QUEUE_GROUP, realtime.event("queue"))


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


# --- customer actions -----------------------------------------------------


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
    # SQLite has no row locks: its IMMEDIATE transactions hold the whole database.
    for_update = " FOR UPDATE" if connection.features.has_select_for_update else ""
    found = sql.rows(
        f"SELECT {sql.columns(Conversation)} FROM {table} WHERE customer_id IN ({sql.placeholders(len(customer_ids))}) "
        f"AND status <> %s ORDER BY id{for_update}",
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


def record_customer_messages(*, items):
    """Store customer messages in one transaction, exactly as if one by one in order.

    Each customer's open conversation is locked first (opened if none is), so
    duplicates are checked and seqs handed out under the lock: two copies of a
    message racing through two instances store one. On PostgreSQL the usual
    batch is one statement (`batch_statement`); what it cannot do, such as
    opening a conversation, takes the general path below.
    """
    now = timezone.now()
    stored = batch_statement.store(items, now=now, bot_enabled=settings.CSBOT_BOT_ENABLED)
    if stored is None:
        return _record_customer_messages(items, now)
    _announce_customer_messages(stored.created, stored.bot_turns, stored.queue_moved)
    return [Recorded(message=message, created=created) for message, created in stored.results]


@transaction.atomic
def _record_customer_messages(items, now):
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
        _store_customer_messages(created, now)
    return results


def _store_customer_messages(messages, now):
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
    _announce_customer_messages(messages, _queue_bot_turns(messages), queue_moved)


def _announce_customer_messages(messages, turns, queue_moved):
    """On commit: each message to its sockets, a wake-up to the bot's runners, the queue if it moved."""
    for message in messages:
        _publish_message(message.conversation, message)
    for conversation_id in turns:
        realtime.publish_on_commit(realtime.BOT_TURNS_GROUP, realtime.event("bot_turn", conversation_id=conversation_id))
    if queue_moved:
        _publish_queue()


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
    message = Message.objects.create(
        conversation=conversation, seq=None, refused=True, sender=SenderKind.CUSTOMER, client_msg_id=client_msg_id,
        text=text, media=media,
    )
    # Staff see it, marked refused; the customer's other devices and the bot never do.
    realtime.publish_on_commit(
        realtime.conversation_group(conversation.pk),
        realtime.event("note", conversation_id=conversation.pk, frame=message_frame(message)),
    )
    return Recorded(message=message, created=True)


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
        realtime.event("rated", conversation_id=conversation.pk, comment=comment,
                       frame={"type": "rated", "conversation_id": str(conversation.pk), "score": score}),
    )
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
                realtime.event("receipt", conversation_id=conv.pk, frame={"type": "receipt", "seq": seq}),
            )
    return bool(updated)


# --- bot, agent and system actions ---------------------------------------


@transaction.atomic
def post_bot_reply(*, conversation, text, stream_id=None):
    """Store the bot's answer; refused unless the bot owns the conversation."""
    conversation = _lock(conversation)
    if conversation.status != Status.BOT:
        raise ConversationStateError("bot_not_in_charge", f"the bot cannot speak in a {conversation.status} conversation")
    return _store_message(conversation, sender=SenderKind.BOT, text=text, sender_name="", stream_id=stream_id)


@transaction.atomic
def post_system_message(*, conversation, text):
    """Store a notice from the system, visible to the customer."""
    conversation = _lock(conversation)
    return _store_message(conversation, sender=SenderKind.SYSTEM, text=text)


@transaction.atomic
def take_over(*, conversation, agent, agent_name):
    """Give an open conversation to an agent, from the bot or the queue."""
    conversation = _lock(conversation)
    if conversation.status == Status.CLOSED:
        raise ConversationStateError("conversation_closed", "the conversation is closed")
    if conversation.status == Status.AGENT and conversation.assigned_agent_id == agent.pk:
        return conversation
    previous = conversation.assigned_agent_id
    conversation.assigned_agent = agent
    conversation.agent_name = agent_name
    conversation.waiting_since = None
    kind = Kind.TRANSFERRED if previous and previous != agent.pk else Kind.TAKEN_OVER
    _change_status(conversation, Status.AGENT, kind, actor=SenderKind.AGENT, actor_user=agent, previous_agent=previous)
    return conversation


@transaction.atomic
def send_agent_reply(*, conversation, agent, text, agent_name, media=None):
    """Store an agent's reply (words, a picture staff uploaded, or both); only the assigned agent may speak."""
    conversation = _lock(conversation)
    if conversation.status != Status.AGENT or conversation.assigned_agent_id != agent.pk:
        raise ConversationStateError("not_assigned", "only the assigned agent can reply")
    message = _store_message(conversation, sender=SenderKind.AGENT, text=text, sender_user=agent, sender_name=agent_name,
                             media=media)
    if conversation.first_agent_reply_at is None:
        Conversation.objects.filter(pk=conversation.pk).update(first_agent_reply_at=message.created_at)
    return message


@transaction.atomic
def add_private_note(*, conversation, agent, text, agent_name=""):
    """Store a note for staff only: no seq, never sent to the customer."""
    conversation = _lock(conversation)
    note = Message.objects.create(
        conversation=conversation, seq=None, is_note=True, sender=SenderKind.AGENT, sender_user=agent,
        sender_name=agent_name, text=text,
    )
    frame = message_frame(note)
    realtime.publish_on_commit(
        realtime.conversation_group(conversation.pk),
        realtime.event("note", conversation_id=conversation.pk, frame=frame),
    )
    return note


@transaction.atomic
def return_to_bot(*, conversation, agent):
    """Hand an open conversation back to the bot."""
    conversation = _lock(conversation)
    if conversation.status == Status.CLOSED:
        raise ConversationStateError("conversation_closed", "the conversation is closed")
    conversation.assigned_agent = None
    conversation.agent_name = ""
    conversation.waiting_since = None
    _change_status(conversation, Status.BOT, Kind.RETURNED_TO_BOT, actor=SenderKind.AGENT, actor_user=agent)
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



# --- assignment from the queue -------------------------------------------


@transaction.atomic
def assign_conversation(*, conversation, agent, agent_name):
    """Give a queued conversation to an agent chosen by the system, remembering its place."""
    conversation = _lock(conversation)
    if conversation.status != Status.QUEUED:
        raise ConversationStateError("not_queued", f"a {conversation.status} conversation is not in the queue")
    waited_from = conversation.waiting_since
    conversation.assigned_agent = agent
    conversation.agent_name = agent_name
    conversation.waiting_since = None
    _change_status(
        conversation, Status.AGENT, Kind.ASSIGNED, actor=SenderKind.SYSTEM, agent=agent.pk,
        waiting_since=waited_from.isoformat() if waited_from else None,
    )
    return conversation


@transaction.atomic
def unassign_to_queue(*, conversation, reason):
    """Put an agent's conversation back in the queue at the place it had before assignment."""
    conversation = _lock(conversation)
    if conversation.status != Status.AGENT:
        raise ConversationStateError("not_assigned", f"a {conversation.status} conversation has no agent")
    assigned = conversation.events.filter(kind=Kind.ASSIGNED).order_by("-pk").first()
    waited_from = assigned.data.get("waiting_since") if assigned else None
    previous = conversation.assigned_agent_id
    conversation.assigned_agent = None
    conversation.agent_name = ""
    conversation.waiting_since = datetime.fromisoformat(waited_from) if waited_from else timezone.now()
    _change_status(conversation, Status.QUEUED, Kind.UNASSIGNED, actor=SenderKind.SYSTEM, previous_agent=previous, reason=reason)
    return conversation


@transaction.atomic
def transfer_conversation(*, conversation, by, agent, agent_name):
    """Hand an agent's conversation to another agent, naming who passed it on."""
    conversation = _lock(conversation)
    if conversation.status != Status.AGENT:
        raise ConversationStateError("not_assigned", f"a {conversation.status} conversation has no agent")
    if conversation.assigned_agent_id == agent.pk:
        return conversation
    previous = conversation.assigned_agent_id
    conversation.assigned_agent = agent
    conversation.agent_name = agent_name
    _change_status(
        conversation, Status.AGENT, Kind.TRANSFERRED, actor=SenderKind.AGENT, actor_user=by,
        previous_agent=previous, agent=agent.pk,
    )
    # Consoles list conversations per agent; the queue group reaches them all.
    realtime.publish_on_commit(realtime.QUEUE_GROUP, realtime.event("queue"))
    return conversation


# --- the bot's turns ------------------------------------------------------


def _insert_messages(messages):
    """Insert new customer messages with one statement and set their ids.

    The plain multi-row INSERT ... RETURNING costs a fraction of bulk_create's
    per-object work on the hottest path. Ids are matched back by seq, not by
    the order of the returned rows.
    """
    stamp = connection.ops.adapt_datetimefield_value(messages[0].created_at)
    columns = "conversation_id, seq, sender, sender_name, is_note, client_msg_id, text, created_at, media_id"
    rows = [(m.conversation_id, m.seq, m.sender, "", False, m.client_msg_id, m.text, stamp, m.media_id) for m in messages]
    returned = sql.rows(
        f"INSERT INTO {Message._meta.db_table} ({columns}) VALUES {sql.placeholders(len(rows), 9)} "
        "RETURNING id, conversation_id, seq",
        [value for row in rows for value in row],
    )
    ids = {(conversation_id, seq): pk for pk, conversation_id, seq in returned}
    for message in messages:
        message.pk = ids[(message.conversation_id, message.seq)]
        message._state.adding = False


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


def _queue_bot_turns(messages):
    """Give the bot a turn for each customer message in a bot conversation, in the same transaction.

    One INSERT ... SELECT finds the messages by (conversation, seq), so no
    model instances are built. Returns the ids of the conversations that got
    a turn, for the runner's wake-up.
    """
    if not settings.CSBOT_BOT_ENABLED:
        return []
    mine = [m for m in messages if m.conversation.status == Status.BOT]
    if not mine:
        return []
    turns, table = BotTurn._meta.db_table, Message._meta.db_table
    stamp = connection.ops.adapt_datetimefield_value(mine[0].created_at)
    sql.run(
        f"INSERT INTO {turns} (conversation_id, message_id, state, attempts, claimed_by, stream_id, outcome, created_at) "
        f"SELECT m.conversation_id, m.id, %s, 0, '', '', '', %s FROM {table} m "
        f"JOIN (VALUES {sql.placeholders(len(mine), 2)}) AS v ON m.conversation_id = v.column1 AND m.seq = v.column2",
        [BotTurn.State.PENDING, stamp, *[value for m in mine for value in (m.conversation_id, m.seq)]],
    )
    return sorted({m.conversation_id for m in mine})


def _owned_turn(turn, worker, attempt):
    """Return the turn row, locked, if this worker's attempt still runs it."""
    return (
        BotTurn.objects.select_for_update()
        .filter(pk=_pk(turn), state=BotTurn.State.RUNNING, claimed_by=worker, attempts=attempt)
        .first()
    )


@transaction.atomic
def begin_bot_stream(*, turn, worker, attempt, stream_id):
    """Record that the bot starts streaming a turn; refused unless it owns the turn and the conversation."""
    conversation = _lock(turn.conversation_id)
    if conversation.status != Status.BOT or _owned_turn(turn, worker, attempt) is None:
        return False
    BotTurn.objects.filter(pk=turn.pk).update(stream_id=stream_id)
    return True


@transaction.atomic
def complete_bot_turn(
    *, turn, worker, attempt, outcome, replies=(), stream_id=None, handoff_reason="", article="", suggestions=()
):
    """Store the bot's replies to one turn and finish it, at most once; hand off when asked.

    The bot speaks only while it owns the conversation. The one exception is
    the end of a stream begun while it did: the customer saw those deltas, so
    the text said so far is stored even after an agent took over. A turn with
    nothing stored ends cancelled.
    """
    conversation = _lock(turn.conversation_id)
    return _finish_turn(conversation, turn, worker, attempt, outcome=outcome, replies=replies, stream_id=stream_id,
                        handoff_reason=handoff_reason, article=article, suggestions=suggestions)


@dataclass(frozen=True)
class TurnResult:
    """What the bot decided for one turn of a batch: the arguments of `complete_bot_turn`."""

    turn: object
    attempt: int
    outcome: str
    replies: tuple = ()
    handoff_reason: str = ""
    article: str = ""
    suggestions: tuple = ()


@transaction.atomic
def complete_bot_turns(*, worker, results):
    """Finish a batch of knowledge-base turns in one transaction, by the rules of `complete_bot_turn` for each.

    Set-based, so the conversation locks are held for a handful of
    statements whatever the batch size: the conversations are locked in id
    order (as message batches lock them, so the two never deadlock), the
    turns this worker's attempts still own are locked and checked, then the
    replies go in one INSERT, the seqs in one UPDATE, the turns in one UPDATE.
    A turn this worker no longer owns (its lease went to another) stores
    nothing. Returns {turn id: the messages stored}.
    """
    ids = sorted({r.turn.conversation_id for r in results})
    conversations = {c.pk: c for c in Conversation.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    rows = BotTurn.objects.select_for_update().filter(
        pk__in=[r.turn.id for r in results], state=BotTurn.State.RUNNING, claimed_by=worker
    ).order_by("pk")
    owned = {t.pk: t for t in rows}
    mine = [r for r in results if r.turn.id in owned and owned[r.turn.id].attempts == r.attempt]
    replies = []
    for r in mine:
        conversation = conversations[r.turn.conversation_id]
        if conversation.status != Status.BOT:
            continue  # nothing was streamed in a batch: a person has the conversation, the bot says nothing
        for text in r.replies:
            conversation.last_seq += 1
            replies.append((r, Message(conversation=conversation, seq=conversation.last_seq, sender=SenderKind.BOT,
                                       text=text)))
    Message.objects.bulk_create([message for _, message in replies])
    moved = {message.conversation_id: message.conversation for _, message in replies}
    Conversation.objects.bulk_update(list(moved.values()), ["last_seq"])
    stored = {r.turn.id: [] for r in results}
    for r, message in replies:
        stored[r.turn.id].append(message)
        _publish_message(message.conversation, message)
    for r in mine:  # the notice is stored before the status change, as for one turn
        if r.handoff_reason and conversations[r.turn.conversation_id].status == Status.BOT:
            request_handoff(conversation=conversations[r.turn.conversation_id], actor=SenderKind.BOT,
                            reason=r.handoff_reason)
    now = timezone.now()
    finished = []
    for r in mine:
        turn, messages = owned[r.turn.id], stored[r.turn.id]
        turn.state = BotTurn.State.DONE if messages else BotTurn.State.CANCELLED
        turn.outcome, turn.article, turn.suggestions = r.outcome, r.article, list(r.suggestions)
        turn.reply = messages[0] if messages else None
        turn.lease_until, turn.finished_at = None, now
        finished.append(turn)
    BotTurn.objects.bulk_update(
        finished, ["state", "outcome", "article", "suggestions", "reply", "lease_until", "finished_at"]
    )
    return stored


def _finish_turn(conversation, turn, worker, attempt, *, outcome, replies=(), stream_id=None, handoff_reason="",
                 article="", suggestions=()):
    """Finish one turn of a locked conversation; return the messages stored ([] if the attempt lost the turn)."""
    locked = _owned_turn(turn, worker, attempt)
    if locked is None:
        return []  # finished already, or redelivered to another worker
    if conversation.status != Status.BOT:
        streamed = bool(stream_id) and locked.stream_id == stream_id
        replies, handoff_reason = (list(replies)[:1] if streamed else []), ""
    messages = [
        _store_message(conversation, sender=SenderKind.BOT, text=text, stream_id=stream_id if n == 0 else None)
        for n, text in enumerate(replies)
    ]
    if handoff_reason:
        request_handoff(conversation=conversation, actor=SenderKind.BOT, reason=handoff_reason)
    # Compare-and-set: a second completion of the same attempt changes no row and rolls back.
    finished = BotTurn.objects.filter(pk=locked.pk, state=BotTurn.State.RUNNING, attempts=attempt).update(
        state=BotTurn.State.DONE if messages else BotTurn.State.CANCELLED,
        outcome=outcome,
        article=article,
        suggestions=list(suggestions),
        reply=messages[0] if messages else None,
        lease_until=None,
        finished_at=timezone.now(),
    )
    if finished != 1:
        raise IntegrityError(f"bot turn {locked.pk} finished twice")
    return messages
