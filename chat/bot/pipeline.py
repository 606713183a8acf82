"""Answer a batch of claimed turns together: one claim, one encoder pass, one transaction for the replies.

A knowledge-base answer is a sub-millisecond decision plus the encoder. Run
turn by turn, each one paid for its own database trips (context, completion),
its own task and lease keeper, and its own publish, which cost far more than
the decision. Here the runner claims the ready turns of many conversations and
reads their contexts in one trip, the questions go to the encoder together
(the batcher embeds whatever waits at once), and every knowledge-base reply is
stored, with its turn marked done, in one transaction whose messages are
published together after the commit.

The guarantees stay those of a single turn: each claimed turn carries its
lease until the batch's transaction marks it done, so a process that dies in
between leaves leases that expire and another process answers those turns;
the completion is a compare-and-set on (state, attempt), so a late batch of a
worker that lost its lease stores nothing. Only an LLM decision leaves the
batch: it is streamed by its own `TurnJob`, which keeps its lease alive.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from django.conf import settings

from .. import db, events, metrics, realtime
from ..actions.bot import TurnResult, complete_bot_turn, complete_bot_turns
from ..models import Conversation
from . import turns
from .answering import MAX_ATTEMPTS, TYPING
from .decision import TEXTS, detect_language
from .dialogue import respond
from .embedding import batcher
from .service import knowledge

log = logging.getLogger(__name__)

# Called with (turn, context, articles, language) for a turn the LLM must answer.
StartStream = Callable[[turns.Claimed, turns.TurnContext, list, str], None]


async def answer_batch(claimed, *, worker: str, start_stream: StartStream) -> None:
    """Decide every (turn, context) pair, stream the LLM ones apart, store the rest in one transaction."""
    keeper = asyncio.create_task(_keep_leases([turn for turn, _ in claimed], worker))
    try:
        await _answer(claimed, worker=worker, start_stream=start_stream)
    finally:
        keeper.cancel()
        await asyncio.gather(keeper, return_exceptions=True)


async def _keep_leases(claimed, worker) -> None:
    """Renew the batch's leases while it waits (a saturated encoder), so no other process answers them meanwhile."""
    lease = settings.CSBOT_BOT_LEASE_S
    while True:
        await asyncio.sleep(max(lease / 3, 0.2))
        try:
            await db.read(turns.renew_leases, claimed, worker=worker, lease_s=lease)
        except Exception:
            log.exception("renewing bot leases failed")


def _alive(turn, context) -> bool:
    return context.status == Conversation.Status.BOT and turn.attempt <= MAX_ATTEMPTS


def typing_events(claimed):
    """The events that show each live turn's customer the bot is typing."""
    return [(realtime.customer_group(context.customer_id),
             events.typing(conversation_id=turn.conversation_id, frame=TYPING))
            for turn, context in claimed if _alive(turn, context)]


async def decide(claimed, *, typing=True):
    """Decide the live turns together; with `typing`, tell their customers the bot is typing first.

    Returns ([Reply, the exception deciding it raised, or None for a turn
    that is not live (a person has the conversation, or it was tried too
    often)], in the order of `claimed`; the knowledge used).
    """
    alive = [_alive(turn, context) for turn, context in claimed]
    live = [pair for pair, ok in zip(claimed, alive) if ok]
    if not live:
        return [None] * len(claimed), None
    if typing:
        await realtime.publish_many(typing_events(live))
    current = await knowledge.current()
    llm_configured = bool(settings.CSBOT_LLM_BASE_URL)
    replies = await asyncio.gather(*(
        respond(text=context.text, knowledge=current, embed=batcher.embed, previous=context.previous,
                misses=context.misses, llm_configured=llm_configured)
        for _, context in live
    ), return_exceptions=True)
    decided = iter(replies)
    return [next(decided) if ok else None for ok in alive], current


async def _answer(claimed, *, worker, start_stream) -> None:
    decided, current = await decide(claimed)
    results, failed = [], []
    for (turn, context), reply in zip(claimed, decided):
        if context.status != Conversation.Status.BOT:
            results.append(TurnResult(turn=turn, attempt=turn.attempt, outcome="cancelled"))
        elif reply is None:  # tried too often: a person takes over
            language = detect_language(context.text)
            results.append(TurnResult(turn=turn, attempt=turn.attempt, outcome="handoff",
                                      replies=(TEXTS["llm_error"][language],), handoff_reason="bot_error"))
        elif isinstance(reply, BaseException):
            log.error("bot turn failed", exc_info=reply, extra={"turn": turn.id, "attempt": turn.attempt})
            failed.append(turn)
        else:
            result = _result(turn, context, reply, current, start_stream)
            if result is not None:
                results.append(result)
    if results:
        await _complete(results, worker=worker, asked={turn.id: context.asked_ms for turn, context in claimed})
    for turn in failed:
        await _release(turn, worker)


def _result(turn, context, reply, current, start_stream):
    decision = reply.decision
    if decision.kind == "llm":
        articles = [a for a in (current.article(i) for i in decision.suggestions) if a is not None]
        start_stream(turn, context, articles, reply.language)
        return None
    if decision.kind == "handoff":
        return TurnResult(turn=turn, attempt=turn.attempt, outcome="handoff", replies=_texts([decision.text]),
                          handoff_reason=decision.reason)
    return answered(turn, reply)


def answered(turn, reply) -> TurnResult:
    """The result of a turn the bot answers itself: an article, a list, a greeting, a request to rephrase."""
    decision = reply.decision
    return TurnResult(turn=turn, attempt=turn.attempt, outcome=decision.kind,
                      replies=_texts([decision.text or TEXTS["not_understood"][reply.language]]),
                      article=decision.article_id or "", suggestions=tuple(decision.suggestions))


def _texts(replies):
    return tuple(text for text in replies if text)


async def _complete(results, *, worker, asked) -> None:
    """Store the answers in one transaction, then the handoffs one by one.

    A handoff tells every queued customer their new place, which takes as
    long as the queue is; kept out of the answers' transaction, it never
    holds their conversation locks or their publishing. If the batch fails,
    its turns are stored one by one, so one bad turn fails alone.
    """
    answers = [r for r in results if not r.handoff_reason]
    singly = [r for r in results if r.handoff_reason]
    stored = {}
    if answers:
        try:
            stored = await db.call(complete_bot_turns, worker=worker, results=answers)
        except Exception:
            log.warning("storing a batch of %d bot turns failed; storing them singly", len(answers), exc_info=True)
            singly = answers + singly
    for r in singly:
        try:
            stored[r.turn.id] = await db.call(
                complete_bot_turn, turn=r.turn, worker=worker, attempt=r.attempt, outcome=r.outcome,
                replies=list(r.replies), handoff_reason=r.handoff_reason, article=r.article,
                suggestions=r.suggestions,
            )
        except Exception:
            log.exception("bot turn failed", extra={"turn": r.turn.id, "attempt": r.attempt})
            await _release(r.turn, worker)
    observe_answers(stored, asked)


def observe_answers(stored, asked) -> None:
    """Count the answers stored ({turn id: messages}) in the latency metrics, from when each question was stored."""
    for turn_id, messages in stored.items():
        if messages and asked.get(turn_id):
            metrics.observe_bot_first_delta(asked[turn_id])  # an instant answer is its own first word
            metrics.observe_bot_answer(asked[turn_id])


async def _release(turn, worker) -> None:
    try:
        await db.read(turns.release, turn, worker=worker)
    except Exception:
        log.exception("releasing bot turn failed")  # the lease expires on its own
