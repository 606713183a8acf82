"""Knowledge-base answers decided right after the customer's batch commits, with no claim.

The runner's path costs a wake-up through Redis, a claim (a transaction that
locks the conversations and marks their turns running under a lease), a read
of the contexts and the completion. A knowledge-base answer needs no lease:
it never streams, and it is stored in one transaction. So the process that
stored the customer's messages answers their turns itself, right after the
commit: the decision, then one transaction that stores the replies with a
compare-and-set on each turn's pending state (`actions.complete_pending_turns`).

What a decision reads of the conversation (its last finished turn and the
bot's misses in a row) is remembered from the answers stored here, so a
conversation that keeps talking to this process costs no read before its
answers; a conversation seen for the first time is read once (no lock, no
write). The completion checks that the conversation's last finished turn is
still the one remembered; if another process or a stream answered since, the
turn goes to the runners, which read afresh.

The guarantees stay the runner's. The turn row is committed with the
question, so a process that dies before answering leaves a pending turn that
any runner's poll claims once it is CSBOT_BOT_DIRECT_GRACE_S old (the polls
leave younger ones to the process that stored them). A runner that claims the
turn first makes the completion here store nothing. A newer question
supersedes an older one either way. What needs the runner is left pending
and the runners are woken, as before: a handoff, a conversation whose turn
is streaming, a failure. With an LLM configured every turn takes the
runner's path, since most of its answers stream for seconds under a lease.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, OrderedDict
from typing import Any

from django.conf import settings

from .. import db, events, realtime
from ..actions.bot import PendingTurn, TurnResult, complete_pending_turns
from . import turns
from .decision import Decision, next_miss_count
from .dialogue import Previous
from .pipeline import answered, decide, observe_answers, typing_events

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 1  # batches: while one is answered, the next gathers what comes
REMEMBERED = 20_000  # conversations whose context is kept (about 300 bytes each)
TYPING_AFTER_S = 0.5  # an answer slower than this is preceded by the typing indicator
MAX_WAITING = 2_000  # conversations with a question waiting here; beyond, they wait in the database for the runners


class DirectAnswers:
    """One per runner: the questions its process stored, answered in batches as they come."""

    def __init__(self, runner) -> None:
        self.runner = runner
        # conversation id -> its newest question waiting here, in the order the conversations came
        self.waiting: OrderedDict[int, Any] = OrderedDict()
        self.in_flight: Counter[int] = Counter()  # conversations with a turn waiting or being answered here
        self.tasks: set[asyncio.Task] = set()
        # conversation id -> (its last finished turn's id, that turn as Previous, misses in a row)
        self.remembered: OrderedDict[int, tuple[int, Previous, int]] = OrderedDict()

    def offer(self, messages) -> None:
        """Answer the turns of these just-committed customer messages (in bot conversations).

        One question waits here per conversation: a newer one takes the place
        of the one still waiting, whose turn the answer cancels. A queue of
        every question would, once questions come faster than batches, decide
        questions already superseded by the time they are stored, and answer
        almost none.
        """
        overflow = []
        for message in messages:
            conversation_id = message.conversation_id
            waiting = self.waiting.get(conversation_id)
            if waiting is not None:
                if message.id > waiting.id:
                    self.waiting[conversation_id] = message
            elif len(self.waiting) < MAX_WAITING:
                self.waiting[conversation_id] = message
                # Marked at once, so this process's runner leaves the turn alone however long it waits here.
                self.in_flight[conversation_id] += 1
            else:  # a saturated encoder: the rest wait as rows, not in this process's memory
                overflow.append(conversation_id)
        if overflow:
            realtime.publish_in_order(_wake_ups(overflow))
        self._start()

    def _start(self) -> None:
        while self.waiting and len(self.tasks) < MAX_IN_FLIGHT:
            size = min(settings.CSBOT_BOT_BATCH, len(self.waiting))
            batch = [self.waiting.popitem(last=False)[1] for _ in range(size)]
            task = asyncio.get_running_loop().create_task(self._answer(batch), name="bot-direct")
            self.tasks.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        if not task.cancelled():
            self._start()

    async def _answer(self, messages) -> None:
        newest = {m.conversation_id: m for m in messages}  # one per conversation already, see `offer`
        streaming = self.runner.running()
        mine = [m for c, m in newest.items() if c not in streaming]
        left = [c for c in newest if c in streaming]  # the runner nudges the stream, then answers
        try:
            left += await self._answer_mine(mine)
        except Exception:
            log.exception("answering bot turns directly failed; the runners take them")
            left = list(newest)
            for c in newest:
                self.remembered.pop(c, None)
        finally:
            self.in_flight -= Counter(m.conversation_id for m in messages)  # drops the zeros too
        if left:
            await realtime.publish_many(_wake_ups(left))

    async def _answer_mine(self, messages) -> list[int]:
        """Decide and store what can be; return the conversations left for the runners."""
        found = [self._recalled(m) for m in messages if m.conversation_id in self.remembered]
        unknown = [m.id for m in messages if m.conversation_id not in self.remembered]
        if unknown:
            found += [(PendingTurn(conversation_id=turn.conversation_id, message_id=turn.message_id,
                                   after=context.after), context)
                      for turn, context in await db.read(turns.pending_with_context, unknown)]
        # An answer decided and stored within a moment needs no typing indicator before it: that would be one
        # more event through Redis and one more frame per answer. A slow one (a saturated encoder) shows it.
        typing = asyncio.get_running_loop().call_later(
            TYPING_AFTER_S, lambda: realtime.publish_in_order(typing_events(found)))
        try:
            return await self._decide_and_store(found)
        finally:
            typing.cancel()

    async def _decide_and_store(self, found) -> list[int]:
        """Decide the (turn, context) pairs and store the answers; return the conversations left for the runners."""
        decided, _ = await decide(found, typing=False)
        left: list[int] = []
        results: list[TurnResult] = []
        answering = []  # (turn, context, decision) of the results
        for (turn, context), reply in zip(found, decided):
            if isinstance(reply, BaseException):
                log.error("bot turn failed", exc_info=reply, extra={"message": turn.message_id})
                left.append(turn.conversation_id)
            elif reply is None or reply.decision.kind in ("llm", "handoff"):
                left.append(turn.conversation_id)  # a person has it, or it needs the runner
            else:
                results.append(answered(turn, reply))
                answering.append((turn, context, reply.decision))
        for turn, _context in found:
            self.remembered.pop(turn.conversation_id, None)  # kept again below once stored
        if not results:
            return left
        stored, returned, finished = await db.call(complete_pending_turns, worker=self.runner.worker, results=results)
        observe_answers(stored, {turn.message_id: context.asked_ms for turn, context in found})
        by_question = {turn.message_id: turn.conversation_id for turn, _context in found}
        left += [by_question[message_id] for message_id in returned]
        for (turn, context, decision), result in zip(answering, results):
            if stored.get(turn.message_id):
                self._remember(turn.conversation_id, finished[turn.message_id], result, context, decision)
        return left

    def _recalled(self, message) -> tuple[PendingTurn, turns.TurnContext]:
        """The question's turn and what its decision needs, from what this process remembers of its conversation."""
        after, previous, misses = self.remembered[message.conversation_id]
        conversation = message.conversation
        return (
            PendingTurn(conversation_id=message.conversation_id, message_id=message.id, after=after),
            turns.TurnContext(
                text=message.text, customer_id=conversation.customer_id, status=conversation.status, misses=misses,
                recent=None, asked_ms=int(message.created_at.timestamp() * 1000), previous=previous, after=after,
            ),
        )

    def _remember(self, conversation_id, turn_id, result: TurnResult, context, decision: Decision) -> None:
        """Keep what the next question of this conversation needs: this answer as its previous turn."""
        previous = Previous(outcome=result.outcome, article=result.article, suggestions=tuple(result.suggestions),
                            question=context.text)
        self.remembered[conversation_id] = (turn_id, previous, next_miss_count(decision, context.misses))
        self.remembered.move_to_end(conversation_id)
        while len(self.remembered) > REMEMBERED:
            self.remembered.popitem(last=False)

    def cancel(self) -> list[asyncio.Task]:
        """Stop answering (the runner stops); what was not answered stays pending for the next runner."""
        self.waiting.clear()
        self.in_flight.clear()
        for task in self.tasks:
            task.cancel()
        return list(self.tasks)


def _wake_ups(conversation_ids):
    """The events that hand these conversations' turns to the runners (which claim a handed turn at once)."""
    return [(realtime.BOT_TURNS_GROUP, events.bot_turn(conversation_id=c)) for c in sorted(set(conversation_ids))]
