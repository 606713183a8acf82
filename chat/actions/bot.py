"""The bot's actions: its replies, and its turns queued, streamed and completed.

A turn is queued in the transaction that stores the customer's message; the
bot's runner claims it, may stream the answer, and completes it at most once.
"""

from dataclasses import dataclass, replace

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import sql
from ..models import BotTurn, Conversation, Message, SenderKind
from .core import (
    ConversationStateError,
    Status,
    _insert_messages,
    _lock,
    _pk,
    _publish_message,
    _store_message,
    request_handoff,
)


@transaction.atomic
def post_bot_reply(*, conversation, text, stream_id=None):
    """Store the bot's answer; refused unless the bot owns the conversation."""
    conversation = _lock(conversation)
    if conversation.status != Status.BOT:
        raise ConversationStateError("bot_not_in_charge", f"the bot cannot speak in a {conversation.status} conversation")
    return _store_message(conversation, sender=SenderKind.BOT, text=text, sender_name="", stream_id=stream_id)


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
    columns, select, params = sql.insert_select(
        BotTurn, columns={"conversation_id": "m.conversation_id", "message_id": "m.id"},
        values={"created_at": mine[0].created_at},
    )
    sql.run(
        f"INSERT INTO {sql.table(BotTurn)} ({columns}) SELECT {select} FROM {sql.table(Message)} m "
        f"JOIN (VALUES {sql.placeholders(len(mine), 2)}) AS v ON m.conversation_id = v.column1 AND m.seq = v.column2",
        [*params, *[value for m in mine for value in (m.conversation_id, m.seq)]],
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
    conversations = _lock_conversations(results)
    rows = BotTurn.objects.select_for_update().filter(
        pk__in=[r.turn.id for r in results], state=BotTurn.State.RUNNING, claimed_by=worker
    ).order_by("pk")
    owned = {t.pk: t for t in rows}
    mine = [r for r in results if r.turn.id in owned and owned[r.turn.id].attempts == r.attempt]
    return _finish_turns(conversations, owned, mine, results)


@dataclass(frozen=True)
class PendingTurn:
    """A waiting turn, known by its question; `after` is the last finished turn its decision read (0: none)."""

    conversation_id: int
    message_id: int
    after: int
    id: int | None = None
    attempt: int = 1  # a pending turn was never claimed: answering it is its first attempt


@transaction.atomic
def complete_pending_turns(*, worker, results):
    """Finish turns decided without a claim (`chat.bot.direct`), only if they are still the ones to answer.

    Each result's turn is a `PendingTurn`. The compare-and-set is on the
    turn's state and its conversation's history: a turn is answered here
    only while it is pending (no runner claimed it meanwhile), is its
    conversation's newest turn (a newer question supersedes it, as a claim
    would), the last finished turn is still the one its decision read (what
    it remembers of the conversation is current), and no other turn of the
    conversation is running under a live lease (a stream has the
    conversation: the runner decides that turn once the stream ends). A
    conversation a person took gets nothing, and its turn ends cancelled, as
    a claim would end it. Older waiting turns of an answered conversation
    are cancelled, as a claim cancels them. Handoffs never come here: they
    take the runner's path.

    Returns ({question id: the messages stored}, [question ids left to the runners],
    {question id: the id of the turn finished}).
    """
    conversations = _lock_conversations(results)
    now = timezone.now()
    waiting, last = _open_turns(list(conversations))
    owned, mine, stale, left = {}, [], [], []
    for r in results:
        rows = waiting.get(r.turn.conversation_id, [])
        pending = [t for t in rows if t.state == BotTurn.State.PENDING]
        if not pending or pending[-1].message_id != r.turn.message_id or rows[-1] is not pending[-1]:
            continue  # claimed by a runner, finished, or superseded by a newer question
        if last.get(r.turn.conversation_id, 0) != r.turn.after or any(
            t.state == BotTurn.State.RUNNING and t.lease_until and t.lease_until >= now for t in rows
        ):
            left.append(r.turn.message_id)
            continue
        turn = pending[-1]
        turn.attempts, turn.claimed_by = r.attempt, worker
        r = replace(r, turn=replace(r.turn, id=turn.pk))
        owned[turn.pk] = turn
        mine.append(r)
        stale.extend(t.pk for t in pending[:-1])
    if stale:
        BotTurn.objects.filter(pk__in=stale).update(state=BotTurn.State.CANCELLED, finished_at=now, lease_until=None)
    stored = _finish_turns(conversations, owned, mine, mine)
    return ({r.turn.message_id: stored[r.turn.id] for r in mine}, left,
            {r.turn.message_id: r.turn.id for r in mine})


def _lock_conversations(results):
    """Lock the results' conversations in id order, as message batches lock them, so the two never deadlock.

    Plain SQL, as the message batches lock theirs: these run once per batch
    of answers, where compiling the ORM's queries cost more than running them.
    """
    ids = sorted({r.turn.conversation_id for r in results})
    if not ids:
        return {}
    found = sql.rows(
        f"SELECT {sql.columns(Conversation)} FROM {sql.table(Conversation)} WHERE id IN ({sql.placeholders(len(ids))}) "
        f"ORDER BY id{sql.for_update()}",
        ids,
    )
    return {c.pk: c for c in sql.instances(Conversation, found)}


def _open_turns(conversation_ids):
    """The conversations' pending and running turns, locked, and the id of each one's last finished turn.

    Returns ({conversation id: [turns in id order]}, {conversation id: last done turn id}).
    One statement: the callers hold the conversations' locks, which every
    completion takes too, so no turn of theirs finishes between the two reads.
    """
    if not conversation_ids:
        return {}, {}
    table = sql.table(BotTurn)
    found = sql.rows(
        f"SELECT {sql.columns(BotTurn, 't')}, (SELECT MAX(d.id) FROM {table} d "
        f"WHERE d.conversation_id = t.conversation_id AND d.state = %s) "
        f"FROM {table} t WHERE t.conversation_id IN ({sql.placeholders(len(conversation_ids))}) "
        f"AND t.state IN (%s, %s) ORDER BY t.id{sql.for_update()}",
        [BotTurn.State.DONE, *conversation_ids, BotTurn.State.PENDING, BotTurn.State.RUNNING],
    )
    waiting: dict[int, list] = {}
    last: dict[int, int] = {}
    for turn, row in zip(sql.instances(BotTurn, [row[:-1] for row in found]), found):
        waiting.setdefault(turn.conversation_id, []).append(turn)
        if row[-1] is not None:
            last[turn.conversation_id] = row[-1]
    return waiting, last


def _finish_turns(conversations, owned, mine, results):
    """Store the replies of the turns in `mine` (locked rows in `owned`) and finish them; see `complete_bot_turns`."""
    replies = []
    for r in mine:
        conversation = conversations[r.turn.conversation_id]
        if conversation.status != Status.BOT:
            continue  # nothing was streamed in a batch: a person has the conversation, the bot says nothing
        for text in r.replies:
            conversation.last_seq += 1
            replies.append((r, Message(conversation=conversation, seq=conversation.last_seq, sender=SenderKind.BOT,
                                       text=text)))
    _insert_messages([message for _, message in replies])
    moved = {message.conversation_id: message.conversation for _, message in replies}
    sql.update(Conversation, moved.values(), ["last_seq"])
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
    sql.update(BotTurn, finished, ["state", "attempts", "claimed_by", "outcome", "article", "suggestions", "reply",
                                   "lease_until", "finished_at"])
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
