"""Readiness: whether this process should take traffic (GET /readyz).

An instance is ready once it can reach the database and the channel layer
and, with the bot on, has loaded its sentence encoder and built its knowledge
index. The warm-up that loads those starts with the server process (csbot/workers.py),
so a rolling restart waits on /readyz instead of sending customers to an
instance whose first bot answer would wait seconds for the encoder.
Database and channel layer are checked at every request: an instance that
loses either answers 503 again until they are back.
"""

import asyncio
import logging

from django.conf import settings
from django.db import connection

from chat import db, realtime

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 2.0


class Readiness:
    """The warm-up state of one process and the live checks behind /readyz."""

    def __init__(self) -> None:
        self.bot_loaded = False
        self.bot_error = ""
        self._warm_up: asyncio.Task | None = None

    def start_warm_up(self) -> None:
        """Start loading the bot's encoder and index once, on the running event loop."""
        if self._warm_up is None or self._warm_up.get_loop().is_closed():
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # at server start, before the loop runs: the one it will run
                loop = asyncio.get_event_loop()
            self._warm_up = loop.create_task(self._load_bot())

    async def _load_bot(self) -> None:
        if not settings.CSBOT_BOT_ENABLED:
            self.bot_loaded = True
            return
        from chat.bot import embedding
        from chat.bot.service import knowledge

        try:
            await db.read(embedding.encoder)
            await knowledge.refresh()
        except Exception as exc:  # the next /readyz starts it again
            self.bot_error = type(exc).__name__
            self._warm_up = None
            log.exception("bot warm-up failed")
            return
        self.bot_loaded, self.bot_error = True, ""

    async def checks(self) -> dict[str, str]:
        """Return each part's state: "ok", or why it is not ready."""
        self.start_warm_up()
        database, layer = await asyncio.gather(_timed(db.read(_database_answers)), _timed(realtime.probe()))
        bot = "ok" if self.bot_loaded else (f"failed: {self.bot_error}" if self.bot_error else "loading")
        return {"database": database, "channel_layer": layer, "bot": bot}

    def reset(self) -> None:
        """Forget the warm-up (tests)."""
        self.bot_loaded, self.bot_error, self._warm_up = False, "", None


async def _timed(awaitable) -> str:
    try:
        await asyncio.wait_for(awaitable, CHECK_TIMEOUT_S)
    except TimeoutError:
        return "timeout"
    except Exception as exc:  # the kind only: connection strings and hosts stay out of the answer
        return f"failed: {type(exc).__name__}"
    return "ok"


def _database_answers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


readiness = Readiness()
