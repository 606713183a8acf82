"""The per-process retrieval index, rebuilt in the background when the knowledge base changes."""

from __future__ import annotations

import asyncio
import logging
import time

from django.conf import settings

from .. import db
from .retrieval import Index
from .store import indexed_articles, kb_version

log = logging.getLogger(__name__)

__all__ = ["KnowledgeIndex", "knowledge"]


class KnowledgeIndex:
    """Serve the current index; check the database's KB version at most every few seconds.

    Building 10,000 articles takes seconds, so a rebuild runs in a thread while
    answers keep using the previous index. The version lives in the database,
    so an edit on any instance reaches every process.
    """

    def __init__(self) -> None:
        self.index: Index | None = None
        self.version: tuple | None = None
        self.checked_at = -float("inf")
        self._build: asyncio.Task | None = None

    async def current(self) -> Index:
        """Return the index to answer with, starting a rebuild if the knowledge base changed."""
        if self.index is None:
            await self.refresh()
            return self.index
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

    async def refresh(self) -> Index:
        """Rebuild now and wait for it (the first build, tests and benchmarks)."""
        if self._building():
            await asyncio.shield(self._build)
        await self._rebuild()
        return self.index

    def _building(self) -> bool:
        build = self._build
        if build is None or build.done():
            return False
        # A build left behind by a closed event loop (tests) no longer runs.
        return not build.get_loop().is_closed()

    async def _rebuild(self) -> None:
        started = time.perf_counter()
        version, articles = await db.read(indexed_articles)
        index = await asyncio.to_thread(Index.build, articles)
        self.index, self.version, self.checked_at = index, version, time.monotonic()
        log.info("knowledge index built", extra={"articles": len(articles), "seconds": round(time.perf_counter() - started, 3)})

    async def _rebuild_quietly(self) -> None:
        try:
            await self._rebuild()
        except Exception:  # the old index keeps serving; the next check tries again
            log.exception("knowledge index rebuild failed")

    def reset(self) -> None:
        """Forget the index (tests)."""
        self.index, self.version, self.checked_at, self._build = None, None, -float("inf"), None


knowledge = KnowledgeIndex()
