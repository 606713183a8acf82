"""The process's encoder, chosen by settings, and a batcher that embeds concurrent questions together.

Questions from many conversations arrive at once under load; embedding them
one by one would hold the event loop or queue on the engine lock. The batcher
collects whatever is waiting (up to `CSBOT_BOT_EMBED_BATCH`), embeds it in one
call on a worker thread, and hands each question its vector. Its queue is
bounded: when the encoder cannot keep up, answers wait for room, while socket
handlers (acks, pings) never touch it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .encoder import EncoderError, EndpointEncoder, LocalEncoder

log = logging.getLogger(__name__)

__all__ = ["CachingEncoder", "encoder", "QueryBatcher", "batcher", "reset", "install"]

_lock = threading.Lock()
_encoder = None
_loaded = False


class CachingEncoder:
    """Remember recent embeddings by text: rebuilds and repeated questions cost nothing twice."""

    def __init__(self, inner, *, size: int = 20000) -> None:
        self.inner = inner
        self.name = inner.name
        self._size = size
        self._cache: OrderedDict[tuple[bool, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return self.inner.dim

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(list(texts), True)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(list(texts), False)

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if (is_query, t) not in self._cache))
        if missing:
            rows = self.inner.queries(missing) if is_query else self.inner.passages(missing)
            with self._lock:
                for text, row in zip(missing, rows):
                    self._cache[(is_query, text)] = row
                    if len(self._cache) > self._size:
                        self._cache.popitem(last=False)
        with self._lock:
            found = [self._cache.get((is_query, t)) for t in texts]
        if any(row is None for row in found):  # evicted meanwhile by a huge batch: embed directly
            return self.inner.queries(texts) if is_query else self.inner.passages(texts)
        return np.vstack([row for row in found if row is not None]) if found else np.zeros((0, self.dim), dtype=np.float32)


def _build():
    kind = settings.CSBOT_BOT_ENCODER
    if kind == "off":
        return None
    if kind == "local":
        inner = LocalEncoder(threads=settings.CSBOT_BOT_ENCODER_THREADS)
    elif kind == "endpoint":
        if not settings.CSBOT_EMBEDDINGS_BASE_URL or not settings.CSBOT_EMBEDDINGS_MODEL:
            raise ImproperlyConfigured("CSBOT_BOT_ENCODER=endpoint needs CSBOT_EMBEDDINGS_BASE_URL and _MODEL")
        inner = EndpointEncoder(
            base_url=settings.CSBOT_EMBEDDINGS_BASE_URL, model=settings.CSBOT_EMBEDDINGS_MODEL,
            api_key=settings.CSBOT_EMBEDDINGS_API_KEY, query_prefix=settings.CSBOT_EMBEDDINGS_QUERY_PREFIX,
            passage_prefix=settings.CSBOT_EMBEDDINGS_PASSAGE_PREFIX, timeout_s=settings.CSBOT_EMBEDDINGS_TIMEOUT_S,
        )
    else:
        raise ImproperlyConfigured("CSBOT_BOT_ENCODER must be 'local', 'endpoint' or 'off'")
    size = settings.CSBOT_BOT_EMBED_CACHE
    return CachingEncoder(inner, size=size) if size > 0 else inner


def encoder():
    """Return the process's encoder (None when the bot answers from words alone); load it once."""
    global _encoder, _loaded
    if not _loaded:
        with _lock:
            if not _loaded:
                _encoder = _build()
                _loaded = True
    return _encoder


class QueryBatcher:
    """Embed questions from concurrent turns in batches on a worker thread, through a bounded queue."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue | None = None
        self._worker: asyncio.Task | None = None

    async def embed(self, text: str) -> np.ndarray | None:
        """Return the question's vector, or None when there is no encoder or it failed."""
        model = encoder()
        if model is None:
            return None
        queue = self._ensure_worker()
        future = asyncio.get_running_loop().create_future()
        await queue.put((text, future))
        try:
            return await future
        except EncoderError as exc:
            log.warning("embedding a question failed", extra={"error": str(exc)})
            return None

    def _ensure_worker(self) -> asyncio.Queue:
        loop = asyncio.get_running_loop()
        if self._queue is None or self._worker is None or self._worker.done() or self._worker.get_loop() is not loop:
            queue: asyncio.Queue = asyncio.Queue(maxsize=settings.CSBOT_BOT_EMBED_QUEUE)
            self._queue = queue
            self._worker = loop.create_task(self._run(queue))
        return self._queue

    async def _run(self, queue: asyncio.Queue) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < settings.CSBOT_BOT_EMBED_BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            texts = [text for text, _ in batch]
            try:
                rows = await asyncio.to_thread(encoder().queries, texts)
            except Exception as exc:  # each waiting question gets the failure, the worker goes on
                error = exc if isinstance(exc, EncoderError) else EncoderError(type(exc).__name__)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), row in zip(batch, rows):
                if not future.done():
                    future.set_result(row)

    async def stop(self) -> None:
        """Stop the worker (tests, shutdown)."""
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        self._worker = None


batcher = QueryBatcher()


def reset() -> None:
    """Forget the encoder (tests that change the settings)."""
    global _encoder, _loaded
    with _lock:
        _encoder, _loaded = None, False


def install(model) -> None:
    """Use this encoder from now on (a test puts back the one it replaced, with its warm cache)."""
    global _encoder, _loaded
    with _lock:
        _encoder, _loaded = model, True
