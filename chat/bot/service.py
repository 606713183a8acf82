"""The per-process knowledge (hybrid index and its calibration), rebuilt in the background when the KB changes."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from django.conf import settings

from .. import db
from . import embedding
from .calibration import Calibration
from .hybrid import HybridIndex
from .store import indexed_articles, kb_version, save_calibration, save_vectors, stored_calibration, stored_vectors
from .vectors import calibrated, prepare

log = logging.getLogger(__name__)

__all__ = ["Knowledge", "KnowledgeIndex", "knowledge", "build_knowledge"]


@dataclass(frozen=True)
class Knowledge:
    """What answers need: the index and the floors calibrated for it."""

    index: HybridIndex
    calibration: Calibration

    def __len__(self) -> int:
        return len(self.index)

    def article(self, article_id):
        return self.index.article(article_id)


def build_knowledge() -> Knowledge:
    """Read the enabled articles, embed what changed, calibrate unless stored; store what is new.

    Synchronous: the import command calls it, and the service runs it on a worker thread.
    """
    _, articles = indexed_articles()
    encoder = embedding.encoder()
    prepared = prepare(articles, stored_vectors() if encoder is not None else {}, encoder)
    if prepared.new_vectors:
        save_vectors(prepared.new_vectors)
    stored = stored_calibration(prepared.index.fingerprint, prepared.encoder_name)
    calibration, fresh = calibrated(prepared, encoder, stored)
    if fresh:
        save_calibration(prepared.index.fingerprint, prepared.encoder_name, calibration.as_dict())
    return Knowledge(prepared.index, calibration)


class KnowledgeIndex:
    """Serve the current index; check the database's KB version at most every few seconds.

    Building 10,000 articles takes seconds, so a rebuild runs in a thread while
    answers keep using the previous index. The version lives in the database,
    so an edit on any instance reaches every process.
    """

    def __init__(self) -> None:
        self.index: Knowledge | None = None
        self.version: tuple | None = None
        self.checked_at = -float("inf")
        self._build: asyncio.Task | None = None

    async def current(self) -> Knowledge:
        """Return the index to answer with, starting a rebuild if the knowledge base changed."""
        if self.index is None:
            return await self.refresh()
        now = time.monotonic()
        if now - self.checked_at >= settings.CSBOT_BOT_KB_CHECK_S and not self._building():
            self.checked_at = now
            try:
                version = await db.read(kb_version)
            except Exception:
                log.exception("knowledge base version check failed")
                return self.index
            if version != self.version:
                self._build = asyncio.get_running_loop().create_task(self._rebuild_quietly())
        return self.index

    async def refresh(self) -> Knowledge:
        """Rebuild now and wait for it (the first build, tests and benchmarks)."""
        if self._build is not None and self._building():
            await asyncio.shield(self._build)
        await self._rebuild()
        assert self.index is not None  # _rebuild sets it or raises
        return self.index

    def _building(self) -> bool:
        build = self._build
        if build is None or build.done():
            return False
        # A build left behind by a closed event loop (tests) no longer runs.
        return not build.get_loop().is_closed()

    async def _rebuild(self) -> None:
        started = time.perf_counter()
        version = await db.read(kb_version)
        built = await db.call(build_knowledge)
        self.index, self.version, self.checked_at = built, version, time.monotonic()
        log.info("knowledge index built", extra={
            "articles": len(built.index), "dense": built.index.dense, "seconds": round(time.perf_counter() - started, 3),
        })

    async def _rebuild_quietly(self) -> None:
        try:
            await self._rebuild()
        except Exception:  # the old index keeps serving; the next check tries again
            log.exception("knowledge index rebuild failed")

    def reset(self) -> None:
        """Forget the index (tests)."""
        self.index, self.version, self.checked_at, self._build = None, None, -float("inf"), None


knowledge = KnowledgeIndex()
