"""One bot runner per process: claims ready turns in batches and answers each batch together.

It wakes when a turn is committed (the `bot.turns` group) and also looks every
CSBOT_BOT_POLL_S seconds, because a wake-up may be lost and a dead process's
leases expire without anyone being told. A claim takes up to
CSBOT_BOT_BATCH conversations' newest turns with their contexts; the batch is
decided and stored together (`pipeline.answer_batch`), and a turn the LLM must
answer leaves it for a task of its own that streams under its lease. Two
batches may be in flight, so the next one is claimed and read while the
encoder works on the current one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid

from channels.layers import get_channel_layer
from django.conf import settings

from .. import db, events, realtime
from . import turns
from .answering import TurnJob
from .direct import DirectAnswers
from .pipeline import answer_batch

log = logging.getLogger(__name__)

MAX_CONCURRENT = 32  # LLM streams per process
MAX_BATCHES = 2  # batches in flight: one being stored while the next is decided
# Group membership can expire in some layers; joining again is cheap.
REJOIN_S = 600

_runner = None
_task = None


def ensure_started():
    """Start this process's runner on the running event loop unless it runs already."""
    global _runner, _task
    if not settings.CSBOT_BOT_ENABLED:
        return
    loop = asyncio.get_running_loop()
    if _task is not None and not _task.done() and _task.get_loop() is loop:
        return
    _runner = Runner()
    _task = loop.create_task(_runner.run(), name="bot-runner")


def direct_answers_on() -> bool:
    """Whether processes answer knowledge-base turns where they were stored (the settings say so, no LLM)."""
    return bool(settings.CSBOT_BOT_ENABLED and settings.CSBOT_BOT_DIRECT and not settings.CSBOT_LLM_BASE_URL)


def direct_answers() -> DirectAnswers | None:
    """This event loop's direct answerer, or None when new turns must wake the runners instead.

    None when the bot or its direct path is off, when an LLM is configured
    (its answers stream under a lease), or when no runner runs on this loop.
    """
    if not direct_answers_on():
        return None
    task = _task
    if task is None or task.done() or _runner is None:
        return None
    try:
        if task.get_loop() is not asyncio.get_running_loop():
            return None
    except RuntimeError:
        return None
    return _runner.direct


async def stop():
    """Stop the runner and its turns (tests); a stopped turn's lease lets another process finish it."""
    global _task
    task, _task = _task, None
    if task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


class Runner:
    def __init__(self) -> None:
        name = settings.CSBOT_INSTANCE or socket.gethostname()
        self.worker = f"{name}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.wake = asyncio.Event()
        self.jobs: dict[int, TurnJob] = {}  # conversation id -> its streaming turn
        self.batching: set[int] = set()  # conversations with a turn in a batch in flight
        self.batches = 0
        self.woken: set[int] = set()  # conversations whose turns were handed to the runners since the last claim
        self.tasks: set[asyncio.Task] = set()
        self.direct = DirectAnswers(self)

    @staticmethod
    def _grace() -> float:
        """How long a new turn is left to the process that stored it, which answers it itself (0: not at all)."""
        if direct_answers_on():
            return settings.CSBOT_BOT_DIRECT_GRACE_S
        return 0.0

    def running(self) -> set[int]:
        """Conversations with a turn in this runner's hands: streaming, or in a batch in flight."""
        return {*self.jobs, *self.batching}

    async def run(self) -> None:
        """Claim and start turns whenever woken, and at least every poll interval."""
        listener = asyncio.create_task(self._listen())
        try:
            while True:
                self.wake.clear()
                try:
                    await self._claim()
                except Exception:
                    log.exception("claiming bot turns failed")
                try:
                    async with asyncio.timeout(settings.CSBOT_BOT_POLL_S):
                        await self.wake.wait()
                except TimeoutError:
                    pass
        finally:
            listener.cancel()
            for task in list(self.tasks):
                task.cancel()
            await asyncio.gather(listener, *self.tasks, *self.direct.cancel(), return_exceptions=True)

    async def _claim(self) -> None:
        if len(self.jobs) >= MAX_CONCURRENT or self.batches >= MAX_BATCHES:
            return  # a finishing stream or batch wakes the loop again
        woken, self.woken = self.woken, set()
        limit = settings.CSBOT_BOT_BATCH
        claimed = await db.read(
            turns.claim_with_context, worker=self.worker, limit=limit, lease_s=settings.CSBOT_BOT_LEASE_S,
            busy=[*self.jobs, *self.batching, *self.direct.in_flight], grace_s=self._grace(), woken=woken,
        )
        if len(claimed) == limit:  # a full batch: the woken conversations it left wait for the next
            self.woken |= woken - {turn.conversation_id for turn, _ in claimed}
        if not claimed:
            return
        conversations = {turn.conversation_id for turn, _ in claimed}
        self.batching |= conversations
        self.batches += 1
        task = asyncio.create_task(answer_batch(claimed, worker=self.worker, start_stream=self._start),
                                   name=f"bot-batch-{claimed[0][0].id}")
        self.tasks.add(task)

        def finished(_task):
            self.tasks.discard(task)
            self.batching -= conversations
            self.batches -= 1
            if not task.cancelled() and task.exception() is not None:
                # Its turns keep their leases and are answered again when those expire.
                log.error("bot batch failed", exc_info=task.exception())
            self.wake.set()  # more turns may be waiting

        task.add_done_callback(finished)
        self.wake.set()  # claim the next batch while this one is decided

    def _start(self, turn: turns.Claimed, context=None, articles=(), language="zh") -> None:
        """Run a turn the LLM answers as its own task, under its lease."""
        decided = (context, list(articles), language) if context is not None else None
        job = TurnJob(turn, worker=self.worker, decided=decided)
        self.jobs[turn.conversation_id] = job
        task = asyncio.create_task(job.run(), name=f"bot-turn-{turn.id}")
        self.tasks.add(task)

        def finished(_task):
            self.tasks.discard(task)
            if self.jobs.get(turn.conversation_id) is job:
                del self.jobs[turn.conversation_id]
            self.wake.set()  # the conversation may have a newer turn waiting

        task.add_done_callback(finished)

    async def _listen(self) -> None:
        """Turn wake-ups from any process into a look at the database now."""
        layer = get_channel_layer()
        assert layer is not None  # the settings always name one
        while True:
            try:
                channel = await layer.new_channel()
                await layer.group_add(realtime.BOT_TURNS_GROUP, channel)
                while True:
                    try:
                        async with asyncio.timeout(REJOIN_S):
                            message = await layer.receive(channel)
                    except TimeoutError:
                        await layer.group_add(realtime.BOT_TURNS_GROUP, channel)
                        continue
                    await RECEIVER.dispatch(self, message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the poll still finds every turn meanwhile
                log.warning("bot wake-up listener failed: %r", exc)
                await asyncio.sleep(1)

    async def on_bot_turn(self, event) -> None:
        """Look at the database now; nudge a stream whose customer wrote again mid-answer."""
        conversation_id = event.get("conversation_id", -1)
        job = self.jobs.get(conversation_id)
        if job is not None:
            job.nudge()
        self.woken.add(conversation_id)
        self.wake.set()


RECEIVER = events.Receiver("bot runner", {events.Kind.BOT_TURN: Runner.on_bot_turn})
