"""Answer one claimed turn: decide, then reply from the knowledge base, stream from the LLM, or hand off."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from contextlib import aclosing

from django.conf import settings

from .. import db, metrics, realtime
from ..actions.bot import begin_bot_stream, complete_bot_turn
from ..models import Conversation
from ..presenters import stream_frame, typing_frame
from . import turns
from .decision import TEXTS, after_llm_failure, after_llm_no_answer, detect_language
from .dialogue import respond
from .embedding import batcher
from .grounding import OutputGuard, cited_article
from .llm import LLMError, build_messages, coalesce, instructions, stream_chat
from .service import knowledge

log = logging.getLogger(__name__)

# How often a stream checks whether an agent took over or the customer wrote again.
CHECK_S = 0.3
# A turn whose process died this many times is handed to a person instead.
MAX_ATTEMPTS = 3
# Built once: every turn sends this same frame, and nothing changes it.
TYPING = typing_frame("bot")


class TurnJob:
    """One claimed turn, run as its own task, never inside a socket handler."""

    def __init__(self, turn: turns.Claimed, *, worker: str, decided=None) -> None:
        self.turn = turn
        self.worker = worker
        # (context, articles, language) when a batch already decided this turn needs the LLM.
        self.decided = decided
        self.lost = False  # the lease went to another worker
        self.nudged = asyncio.Event()

    def nudge(self) -> None:
        """Make a running stream check for an interruption now."""
        self.nudged.set()

    async def run(self) -> None:
        """Answer the turn; on an unexpected error let the lease lapse so it is retried."""
        keeper = asyncio.create_task(self._keep_lease())
        try:
            if self.decided is not None:
                context, articles, language = self.decided
                self.asked_ms = context.asked_ms
                await self._stream(context, articles, language)
            else:
                await self._answer()
        except Exception:
            log.exception("bot turn failed", extra={"turn": self.turn.id, "attempt": self.turn.attempt})
            try:
                await db.read(turns.release, self.turn, worker=self.worker)
            except Exception:
                log.exception("releasing bot turn failed")  # the lease expires on its own
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)

    async def _finish(self, outcome, replies=(), *, stream_id=None, handoff_reason="", article="", suggestions=()):
        stored = await db.call(
            complete_bot_turn, turn=self.turn, worker=self.worker, attempt=self.turn.attempt, outcome=outcome,
            replies=[text for text in replies if text], stream_id=stream_id, handoff_reason=handoff_reason,
            article=article or "", suggestions=suggestions,
        )
        asked_ms = getattr(self, "asked_ms", 0)
        if stored and asked_ms:
            if stream_id is None:
                metrics.observe_bot_first_delta(asked_ms)  # an instant answer is its own first word
            metrics.observe_bot_answer(asked_ms)
        return stored

    async def _answer(self) -> None:
        context = await db.read(turns.load_context, self.turn)
        self.asked_ms = context.asked_ms
        if context.status != Conversation.Status.BOT:
            await self._finish("cancelled")
            return
        language = detect_language(context.text)
        if self.turn.attempt > MAX_ATTEMPTS:
            await self._finish("handoff", [TEXTS["llm_error"][language]], handoff_reason="bot_error")
            return
        await realtime.bot_activity(context.customer_id, self.turn.conversation_id, TYPING, agents=False)
        current = await knowledge.current()
        reply = await respond(text=context.text, knowledge=current, embed=batcher.embed, previous=context.previous,
                              misses=context.misses, llm_configured=bool(settings.CSBOT_LLM_BASE_URL))
        decision, language = reply.decision, reply.language
        if decision.kind == "llm":
            articles = [a for a in (current.article(i) for i in decision.suggestions) if a is not None]
            await self._stream(context, articles, language)
        elif decision.kind == "handoff":
            await self._finish("handoff", [decision.text], handoff_reason=decision.reason)
        else:
            await self._finish(decision.kind, [decision.text or TEXTS["not_understood"][language]],
                               article=decision.article_id, suggestions=decision.suggestions)

    # --- streaming ----------------------------------------------------------

    async def _stream(self, context, articles, language) -> None:
        if context.recent is None:
            context = dataclasses.replace(context, recent=await db.read(turns.recent_messages, self.turn))
        stream_id = uuid.uuid4().hex
        started = await db.call(
            begin_bot_stream, turn=self.turn, worker=self.worker, attempt=self.turn.attempt, stream_id=stream_id
        )
        if not started:
            await self._finish("llm")  # a person has the conversation now: nothing is said
            return
        messages = build_messages(question=context.text, articles=articles, recent_turns=context.recent,
                                  language=language)
        guard = OutputGuard(instructions(language))
        said, stop, error = await self._relay(context.customer_id, messages, stream_id, guard)
        text = "".join(said)
        if stop == "lost":
            return  # another worker owns the turn and will finish it
        if error is None and stop is None and (guard.leaked or guard.no_answer):
            if guard.leaked:
                log.warning("LLM answer withheld: it repeated its instructions", extra={"turn": self.turn.id})
            choices = [(a.id, a.title) for a in articles]
            fallback = after_llm_no_answer(choices, consecutive_misses=context.misses, language=language)
            await self._finish(fallback.kind, [text, fallback.text], stream_id=stream_id if text else None,
                               handoff_reason=fallback.reason or "", suggestions=fallback.suggestions)
            return
        if error is None and stop is None and not text.strip():
            error = LLMError("bad_response", "empty answer")
        if error is not None:
            log.warning("LLM failed, handing off", extra={"turn": self.turn.id, "reason": error.reason})
            notice = after_llm_failure(error.reason, language=language).text
            # What the customer already saw is stored first, then the notice, then the status change.
            await self._finish("handoff", [text, notice], stream_id=stream_id if text else None,
                               handoff_reason="llm_error")
            return
        # The article the answer names as its source; the closest one when it names none we gave it.
        used = cited_article(text, articles) or (articles[0].id if articles else "")
        await self._finish("llm", [text], stream_id=stream_id if text else None, article=used)

    async def _relay(self, customer_id, messages, stream_id, guard: OutputGuard):
        """Forward coalesced deltas until the stream ends, fails or must stop; return (said, stop, error)."""
        conversation_id = self.turn.conversation_id
        said: list[str] = []
        timeout = settings.CSBOT_LLM_TIMEOUT_S

        async def pump():
            deltas = stream_chat(
                base_url=settings.CSBOT_LLM_BASE_URL, api_key=settings.CSBOT_LLM_API_KEY,
                model=settings.CSBOT_LLM_MODEL, messages=messages, connect_timeout=min(5.0, timeout),
                read_timeout=timeout, total_timeout=3 * timeout,
            )
            async with aclosing(coalesce(deltas, interval=settings.CSBOT_STREAM_COALESCE_MS / 1000)) as batches:
                try:
                    async for batch in batches:
                        await publish(guard.feed(batch))
                        if guard.leaked:
                            return  # closes the HTTP stream; nothing more of it is shown
                except LLMError:
                    await publish(guard.finish())  # what was checked and held is shown, and kept
                    raise
            # Not after a cancel: a person who took over owns the conversation from then on.
            await publish(guard.finish())

        async def publish(delta: str) -> None:
            if not delta:
                return
            frame = stream_frame(conversation_id, stream_id, len(said), delta)
            said.append(delta)
            await realtime.bot_activity(customer_id, conversation_id, frame)
            if len(said) == 1:
                metrics.observe_bot_first_delta(self.asked_ms)

        pump_task = asyncio.create_task(pump())
        stop = None
        try:
            stop = await self._watch(pump_task)
        finally:
            if not pump_task.done():
                pump_task.cancel()  # closes the HTTP stream
            await asyncio.gather(pump_task, return_exceptions=True)
        error = None if pump_task.cancelled() else pump_task.exception()
        if error is not None and not isinstance(error, LLMError):
            raise error
        return said, stop, error

    async def _watch(self, pump_task):
        """Wait for the stream, checking for a takeover or a newer message; return why it must stop."""
        while not pump_task.done():
            self.nudged.clear()
            nudge = asyncio.create_task(self.nudged.wait())
            try:
                await asyncio.wait({pump_task, nudge}, timeout=CHECK_S, return_when=asyncio.FIRST_COMPLETED)
            finally:
                nudge.cancel()
            if pump_task.done():
                return None
            stop = "lost" if self.lost else await db.read(turns.interruption, self.turn)
            if stop:
                return stop
        return None

    async def _keep_lease(self) -> None:
        lease = settings.CSBOT_BOT_LEASE_S
        while True:
            await asyncio.sleep(max(lease / 3, 0.2))
            try:
                owned = await db.read(turns.renew_lease, self.turn, worker=self.worker, lease_s=lease)
            except Exception:
                log.exception("renewing a bot lease failed")
                continue
            if not owned:
                self.lost = True
                self.nudge()
                return
