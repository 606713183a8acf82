"""Bot turn bookkeeping: claim with a lease, renew it, read what a turn needs.

Turns are rows, not channel-layer messages: the layer may drop or double a
wake-up, so it only says "look now". A claim locks the conversation rows it
takes (SKIP LOCKED on PostgreSQL, the IMMEDIATE write transaction on SQLite),
so two processes never run turns of one conversation at once. A process that
dies leaves its lease to expire; whoever looks next claims the turn again.
Storing the answer is the action `complete_bot_turn`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from ..models import BotTurn, Conversation, Message
from .decision import Decision, next_miss_count
from .dialogue import Previous

State = BotTurn.State
RECENT_TURNS = 6
MISS_HISTORY = 20
OUTCOMES = {"greeting", "thanks", "answer", "llm", "suggest", "handoff"}


@dataclass(frozen=True)
class Claimed:
    """A turn this worker now runs: `attempt` identifies the claim in every later write."""

    id: int
    conversation_id: int
    message_id: int
    attempt: int

    @property
    def pk(self):
        return self.id


@dataclass(frozen=True)
class TurnContext:
    """What answering a turn needs, read in one go."""

    text: str
    customer_id: int
    status: str
    misses: int
    recent: list[tuple[str, str]] | None  # None: not read yet (a batch reads it only for an LLM answer)
    asked_ms: int = 0  # when the question was stored, for the latency metrics
    previous: Previous | None = None  # the last finished turn: its list, its topic, its question
    after: int = 0  # that turn's id (0: none), which a completion without a claim checks is still the last


def _ready(now):
    return Q(state=State.PENDING) | Q(state=State.RUNNING, lease_until__lt=now)


def claim_turns(*, worker, limit, lease_s, busy=(), grace_s=0.0, woken=()):
    """Claim the newest ready turn of up to `limit` conversations, cancelling the older ones.

    Conversations in `busy` already have a turn running in this process.
    With `grace_s`, a turn queued less than that long ago is left to the
    process that stored it (`chat.bot.direct`), unless its conversation is
    among the `woken` ones: that process handed it over.
    """
    now = timezone.now()
    ready = _ready(now)
    if grace_s > 0:
        ready = (Q(state=State.PENDING, created_at__lt=now - timedelta(seconds=grace_s))
                 | Q(state=State.PENDING, conversation_id__in=list(woken))
                 | Q(state=State.RUNNING, lease_until__lt=now))
    order = list(
        BotTurn.objects.filter(ready).exclude(conversation_id__in=list(busy))
        .order_by("id").values_list("conversation_id", flat=True)[: limit * 4]
    )
    wanted = list(dict.fromkeys(order))[:limit]
    if not wanted:
        return []  # the common case costs one indexed read and no write transaction
    with transaction.atomic():
        locked = Conversation.objects.select_for_update(skip_locked=True, of=("self",)).filter(pk__in=wanted)
        statuses = dict(locked.values_list("pk", "status"))
        if not statuses:
            return []
        waiting: dict[int, list] = {}
        for row in BotTurn.objects.filter(
            conversation_id__in=list(statuses), state__in=[State.PENDING, State.RUNNING]
        ).order_by("pk").values_list("pk", "conversation_id", "message_id", "state", "lease_until", "attempts"):
            waiting.setdefault(row[1], []).append(row)
        stale, taken = [], []
        for conversation_id in (pk for pk in wanted if pk in statuses):
            rows = waiting.get(conversation_id)
            if not rows or any(state == State.RUNNING and lease and lease >= now for _, _, _, state, lease, _ in rows):
                continue  # another process runs this conversation's turn
            *older, newest = rows
            # The customer wrote again: only their latest message gets an answer.
            stale.extend(row[0] for row in older)
            if statuses[conversation_id] != Conversation.Status.BOT:
                stale.append(newest[0])  # a person has the conversation now
            else:
                taken.append(newest)
        # Two statements for the whole claim, whatever its size.
        if stale:
            BotTurn.objects.filter(pk__in=stale).update(state=State.CANCELLED, finished_at=now, lease_until=None)
        if taken:
            BotTurn.objects.filter(pk__in=[row[0] for row in taken]).update(
                state=State.RUNNING, attempts=F("attempts") + 1, claimed_by=worker,
                lease_until=now + timedelta(seconds=lease_s),
            )
    return [Claimed(id=pk, conversation_id=conversation_id, message_id=message_id, attempt=attempts + 1)
            for pk, conversation_id, message_id, _, _, attempts in taken]


def claim_with_context(*, worker, limit, lease_s, busy=(), grace_s=0.0, woken=()):
    """Claim like `claim_turns` and read the claimed turns' contexts, in one trip to a database thread.

    Returns [(Claimed, TurnContext)]. The contexts take three statements
    whatever the batch size; their `recent` messages are left out (None),
    since only an LLM answer uses them and it reads them itself.
    """
    return _with_contexts(claim_turns(worker=worker, limit=limit, lease_s=lease_s, busy=busy, grace_s=grace_s,
                                      woken=woken))


def pending_with_context(message_ids):
    """The waiting turns of these questions with their contexts, read without claiming them (see `chat.bot.direct`).

    Returns [(Claimed, TurnContext)] for the turns still pending; a turn a
    runner claimed meanwhile is that runner's. `attempt` is the attempt a
    completion would record. Three statements, no transaction, no lock.
    """
    waiting = BotTurn.objects.filter(message_id__in=list(message_ids), state=State.PENDING).order_by("pk")
    return _with_contexts([
        Claimed(id=pk, conversation_id=conversation_id, message_id=message_id, attempt=attempts + 1)
        for pk, conversation_id, message_id, attempts in waiting.values_list("pk", "conversation_id", "message_id",
                                                                            "attempts")
    ])


def _with_contexts(found):
    if not found:
        return []
    messages = Message.objects.select_related("conversation").in_bulk([t.message_id for t in found])
    conversations = {t.conversation_id for t in found}
    ranked = BotTurn.objects.filter(conversation_id__in=conversations, state=State.DONE).annotate(
        rank=Window(RowNumber(), partition_by=[F("conversation_id")], order_by=F("id").desc())
    )
    histories: dict[int, list] = {}
    for conversation_id, pk, *row in ranked.filter(rank__lte=MISS_HISTORY).order_by("conversation_id", "-id").values_list(
        "conversation_id", "id", "outcome", "article", "suggestions", "message__text"
    ):
        histories.setdefault(conversation_id, []).append((pk, row))
    found_contexts = []
    for turn in found:
        history = [(pk, row) for pk, row in histories.get(turn.conversation_id, []) if pk < turn.id]
        context = _context(messages[turn.message_id], [row for _, row in history], recent=None,
                           after=history[0][0] if history else 0)
        found_contexts.append((turn, context))
    return found_contexts


def recent_messages(turn):
    """The conversation's last few visible messages before the turn's question, oldest first (the LLM's context)."""
    message = Message.objects.get(pk=turn.message_id)
    earlier = Message.objects.filter(conversation_id=turn.conversation_id, is_note=False, seq__lt=message.seq)
    return [(m.sender, m.text) for m in reversed(earlier.order_by("-seq")[:RECENT_TURNS])]


def _context(message, history, *, recent, after=0):
    """A TurnContext from the question (with its conversation) and its finished turns, newest first."""
    conversation = message.conversation
    misses = 0
    for outcome, *_ in reversed(history):
        if outcome in OUTCOMES:
            misses = next_miss_count(Decision(kind=outcome), misses)
    previous = None
    if history:
        outcome, article, suggestions, question = history[0]
        previous = Previous(outcome=outcome, article=article, suggestions=tuple(suggestions or ()), question=question)
    return TurnContext(text=message.text, customer_id=conversation.customer_id, status=conversation.status,
                       misses=misses, recent=recent, asked_ms=int(message.created_at.timestamp() * 1000),
                       previous=previous, after=after)


def renew_lease(turn, *, worker, lease_s):
    """Extend this worker's lease on a running turn; False if the turn is no longer its own."""
    return bool(
        BotTurn.objects.filter(pk=turn.id, state=State.RUNNING, claimed_by=worker, attempts=turn.attempt).update(
            lease_until=timezone.now() + timedelta(seconds=lease_s)
        )
    )


def renew_leases(claimed, *, worker, lease_s):
    """Extend this worker's leases on a batch of running turns in one statement (a batch slower than a third of the lease)."""
    return BotTurn.objects.filter(pk__in=[t.id for t in claimed], state=State.RUNNING, claimed_by=worker).update(
        lease_until=timezone.now() + timedelta(seconds=lease_s)
    )


def release(turn, *, worker):
    """Let the lease of a turn that failed expire now, so the next look retries it."""
    BotTurn.objects.filter(pk=turn.id, state=State.RUNNING, claimed_by=worker, attempts=turn.attempt).update(
        lease_until=timezone.now()
    )


def load_context(turn):
    """Return the message, the conversation's state, the miss streak and the recent turns."""
    message = Message.objects.select_related("conversation").get(pk=turn.message_id)
    done = BotTurn.objects.filter(conversation_id=message.conversation_id, state=State.DONE, pk__lt=turn.id)
    history = list(done.order_by("-pk").values_list("outcome", "article", "suggestions", "message__text")[:MISS_HISTORY])
    return _context(message, history, recent=recent_messages(turn))


def interruption(turn):
    """Return why a running turn should stop talking (takeover, newer_message), or None."""
    status = Conversation.objects.filter(pk=turn.conversation_id).values_list("status", flat=True).first()
    if status != Conversation.Status.BOT:
        return "takeover"
    if BotTurn.objects.filter(conversation_id=turn.conversation_id, pk__gt=turn.id, state=State.PENDING).exists():
        return "newer_message"
    return None
