"""What one socket has shown its client, so each message reaches it once, in seq order.

Wake-ups from the channel layer may be lost, doubled or late. Every message
carries its per-conversation seq, so this keeps the highest seq the client has
without a gap and fills any hole from the database before going on.
"""

import asyncio
import time

from django.conf import settings

from . import db, ingest, metrics
from .actions.core import ConversationStateError, mark_read, request_handoff
from .actions.customer import rate_conversation
from .actions.queue import queue_position
from .admission import admission_gate
from .models import SenderKind
from .presenters import ack_frame, history_frame, rated_frame, status_frame, synced_frame, welcome_frame
from .protocol.errors import ErrorCode, soft
from .sync import messages_after, page_before, prepare_welcome
from .takeover import claim_device

STATE_ERRORS = {"conversation_closed": ErrorCode.CONVERSATION_CLOSED, "nothing_to_rate": ErrorCode.NOTHING_TO_RATE}


def state_error(exc):
    """Return the non-fatal error frame for an action the conversation's state refused."""
    return soft(STATE_ERRORS.get(exc.code, ErrorCode.CONVERSATION_CLOSED), str(exc))


def _hello(*, customer_id, device_id, platform, app_version, resume):
    generation = claim_device(customer_id=customer_id, device_id=device_id, platform=platform, app_version=app_version)
    return prepare_welcome(customer=customer_id, resume=resume), generation


def _handoff(*, conversation_id, reason):
    conversation = request_handoff(conversation=conversation_id, actor=SenderKind.CUSTOMER, reason=reason)
    return status_frame(conversation, queue_position(conversation))


class Delivery:
    def __init__(self, consumer):
        self.consumer = consumer
        self.customer_id = consumer.session.customer_id
        self.conversation_id = None
        self.synced = False
        self.last_seq = 0  # the client has every seq up to here
        self.acked = set()  # seqs beyond last_seq the client has through an ack
        self.status = None  # the last status frame sent
        self.lock = asyncio.Lock()

    async def send(self, frame):
        """Send one frame; return its size on the wire."""
        return await self.consumer.send_frame(frame)

    def _follow(self, conversation_id):
        self.conversation_id = conversation_id
        self.last_seq = 0
        self.acked.clear()

    def _advance(self, seq):
        if seq == self.last_seq + 1:
            self.last_seq = seq
            while self.last_seq + 1 in self.acked:
                self.last_seq += 1
                self.acked.discard(self.last_seq)
        elif seq > self.last_seq:
            self.acked.add(seq)

    async def _send_status(self, frame):
        if frame != self.status:
            self.status = frame
            await self.send(frame)

    # --- answers to client frames ---------------------------------------

    async def hello(self, fields):
        """Claim the device, send welcome, the replay or the latest page, then synced; return the generation."""
        resume = fields.get("resume")
        async with self.lock:
            async with admission_gate().slot():  # raises Overloaded in a storm: nothing was read or changed
                welcome, generation = await db.call(
                    _hello, customer_id=self.customer_id, device_id=fields["device_id"], platform=fields["platform"],
                    app_version=fields["app_version"], resume=resume,
                )
            current = welcome.conversation
            await self.send(welcome_frame(
                welcome, heartbeat_s=settings.CSBOT_HEARTBEAT_S, max_frame_bytes=settings.CSBOT_MAX_FRAME_BYTES,
                server_time=int(time.time() * 1000),
            ))
            self._follow(current.pk)
            self.last_seq = current.last_seq
            for frame in welcome.frames:
                await self.send(frame)
                if frame["type"] == "message" and frame["conversation_id"] == str(current.pk):
                    self.last_seq = max(self.last_seq, frame["seq"])
            if resume is not None:
                metrics.resumes.labels(recovered=str(welcome.recovered).lower()).inc()
                metrics.replayed.inc(len(welcome.frames))
            await self.send(synced_frame(self.last_seq))
            self.synced = True
            self.status = welcome.status
            if "queue_position" in welcome.status:
                await self.send(welcome.status)  # welcome has no field for the queue position
        return generation

    async def record(self, client_msg_id, text, media_id=None):
        """Store a message (once per client_msg_id) and acknowledge it."""
        result = await ingest.store_customer_message(
            customer_id=self.customer_id, client_msg_id=client_msg_id, text=text, media_id=media_id
        )
        message = result.message
        async with self.lock:
            if result.opened is not None and result.opened.pk != self.conversation_id:
                self._follow(result.opened.pk)
                await self._send_status(status_frame(result.opened))
            await self.send(ack_frame(message))
            if message.conversation_id == self.conversation_id:
                self._advance(message.seq)

    async def handoff(self, reason):
        try:
            frame = await db.call(_handoff, conversation_id=self.conversation_id, reason=reason or "customer_request")
        except ConversationStateError as exc:
            raise state_error(exc) from exc
        async with self.lock:
            self.status = frame
            await self.send(frame)

    async def rate(self, fields):
        try:
            conversation = await db.call(
                rate_conversation, customer=self.customer_id, score=fields["score"], comment=fields["comment"],
                conversation_id=fields.get("conversation_id"),
            )
        except ConversationStateError as exc:
            raise state_error(exc) from exc
        await self.send(rated_frame(conversation.pk, conversation.rating))

    async def history(self, before_seq, limit):
        """Send a page of older messages; return its size."""
        frames = await db.read_bulk(page_before, self.conversation_id, before_seq, limit,
                               max_bytes=settings.CSBOT_HISTORY_MAX_BYTES)
        return await self.send(history_frame(frames))

    async def mark_read(self, seq):
        if self.conversation_id is not None:
            await db.call(mark_read, conversation=self.conversation_id, seq=seq, reader=SenderKind.CUSTOMER)

    # --- wake-ups --------------------------------------------------------

    # The customer socket's `Receiver` (chat/consumers.py) picks one of these by the event's kind.

    async def on_message(self, event):
        """Send a new message in seq order, filling any gap before it first."""
        async with self.lock:
            if self._shows(event, newer_follows=True):
                await self._deliver(event["frame"])

    async def on_status(self, event):
        """Send a status that differs from the last one sent."""
        async with self.lock:
            if self._shows(event, newer_follows=True):
                await self._send_status(event["frame"])

    async def on_frame(self, event):
        """Send a frame that is neither stored nor counted by seq (typing, stream, receipt, rated)."""
        async with self.lock:
            if self._shows(event, newer_follows=False):
                await self.send(event["frame"])

    def _shows(self, event, *, newer_follows):
        """Return whether this socket shows the event; follow a newer conversation when `newer_follows`."""
        if not self.synced:
            return False  # hello's database read covers whatever this was
        conversation_id = event.get("conversation_id")
        if conversation_id is not None and conversation_id != self.conversation_id:
            if not newer_follows or conversation_id < self.conversation_id:
                return False
            self._follow(conversation_id)  # another device opened a newer conversation
        return True

    async def _deliver(self, frame):
        seq = frame["seq"]
        if seq <= self.last_seq:
            return
        if any(s not in self.acked for s in range(self.last_seq + 1, seq)):
            await self._fill(upto=seq - 1)
        if seq not in self.acked:
            await self.send(frame)
        self._advance_past(seq)

    async def _fill(self, upto=None):
        frames = await db.read(messages_after, self.conversation_id, self.last_seq, upto=upto)
        for frame in frames:
            if frame["seq"] not in self.acked:
                metrics.gap_repairs.inc()
                await self.send(frame)
            self._advance_past(frame["seq"])

    def _advance_past(self, seq):
        if seq > self.last_seq:
            self.last_seq = seq
            self.acked = {s for s in self.acked if s > seq}

    async def reconcile(self, last_seq, status):
        """Deliver what the database has and this socket was never woken for."""
        async with self.lock:
            if not self.synced:
                return
            if last_seq > self.last_seq:
                await self._fill()
            if status.get("conversation_id") == str(self.conversation_id):
                await self._send_status(status)
