"""Customer messages from all sockets of a process, stored together.

Each message costs a transaction, a commit and a hop to a database thread;
under load most of that is overhead. Messages that arrive while one batch is
being stored wait and go together in the next, in one transaction
(`record_customer_messages`), so a quiet server answers at once and a busy one
commits a hundred messages for the price of a few. The result is the same as
storing them one by one, in arrival order.
"""

import asyncio
import logging
import weakref

from channels.db import database_sync_to_async

from . import db, realtime, safety
from .actions.customer import Incoming, record_customer_message, record_customer_messages, record_refused_message
from .bot import runner
from .media import own_media
from .models import Conversation
from .protocol.errors import ErrorCode, soft
from .protocol.frames import storable

log = logging.getLogger(__name__)

MAX_BATCH = 200
Status = Conversation.Status


# The batch's trip: on the thread pool, not the one shared ORM thread, so a
# slow query elsewhere never queues every socket's messages; what the batch
# published on commit comes back with its result.
_store_batch = database_sync_to_async(realtime.collecting(record_customer_messages), thread_sensitive=False)


class Ingest:
    """One per event loop: a queue of pending messages and the task that stores them."""

    def __init__(self):
        self.pending = []
        self.task = None

    async def submit(self, item):
        """Store one message (batched with others) and return its Recorded."""
        # Refused before it joins a batch, whichever edge let it through: the
        # database would fail the whole batch statement on a NUL.
        if not (storable(item.text) and storable(item.client_msg_id)):
            raise soft(ErrorCode.TEXT_INVALID, "text holds a NUL or an unpaired surrogate", client_msg_id=None)
        future = asyncio.get_running_loop().create_future()
        self.pending.append((item, future))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())
        return await future

    async def _run(self):
        while self.pending:
            batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
            await self._store(batch)

    async def _store(self, batch):
        # The bot's answers to this batch: decided here right after the commit, or by a runner it wakes.
        direct = runner.direct_answers()
        try:
            results, published = await _store_batch(items=[item for item, _ in batch], wake_bot=direct is None)
        except Exception:
            # One bad message must not fail its neighbours: store them one by one.
            log.warning("batch of %d messages failed; storing them singly", len(batch), exc_info=True)
            for item, future in batch:
                await self._store_one(item, future)
            return
        # Acknowledge at once after the commit; the wake-ups for other sockets
        # go out in the background, in order.
        realtime.publish_in_order(published)
        for (_, future), result in zip(batch, results):
            if not future.done():
                future.set_result(result)
        if direct is not None:
            direct.offer([r.message for r in results if r.created and r.message.conversation.status == Status.BOT])

    async def _store_one(self, item, future):
        try:
            result = await db.call(
                record_customer_message, customer=item.customer_id, client_msg_id=item.client_msg_id, text=item.text,
                media=item.media,
            )
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
        else:
            if not future.done():
                future.set_result(result)


_by_loop = weakref.WeakKeyDictionary()


async def store_customer_message(*, customer_id, client_msg_id, text, media_id=None):
    """Store a customer's message through this process's batch writer; refused text raises `rejected`.

    With content safety on, the text is checked first on this coroutine, so
    checks of concurrent messages overlap and only what passes joins a batch.
    A `media_id` must name one of the customer's own uploads; anyone else's
    reads as unknown. (Pictures were checked when they were uploaded.)
    """
    if not (storable(text) and storable(client_msg_id)):
        raise soft(ErrorCode.TEXT_INVALID, "text holds a NUL or an unpaired surrogate", client_msg_id=None)
    media = None
    if media_id is not None:
        media = await db.read(own_media, customer_id=customer_id, media_id=media_id)
        if media is None:
            raise soft(ErrorCode.NOT_FOUND, "media_id names no picture you uploaded", client_msg_id=client_msg_id)
    if (text and await safety.refuses(customer_id=customer_id, text=text)) or (media is not None and media.refused):
        result = await db.call(
            record_refused_message, customer=customer_id, client_msg_id=client_msg_id, text=text, media=media
        )
    else:
        loop = asyncio.get_running_loop()
        ingest = _by_loop.get(loop)
        if ingest is None:
            ingest = _by_loop[loop] = Ingest()
        result = await ingest.submit(
            Incoming(customer_id=customer_id, client_msg_id=client_msg_id, text=text, media=media)
        )
    if result.message.refused:
        raise soft(ErrorCode.REJECTED, "the message was refused by the content check", client_msg_id=client_msg_id)
    return result
