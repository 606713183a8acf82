"""One task per process with agent consoles: keeps presence fresh and runs assignment.

Every process runs its own; assignment is safe with any number of them at
once (see assignment.py), so no leader is needed.
"""

import asyncio
import logging
import time
from typing import Any

from django.utils import timezone

from chat import db

from . import assignment, conf
from .models import AgentProfile

log = logging.getLogger(__name__)
TOUCH_EVERY_S = 15

_consoles: dict[str, Any] = {}
_wake = None
_task = None


def register(consumer):
    """Keep the consumer's agent present and run assignment while it is connected."""
    global _task, _wake
    _consoles[consumer.channel_name] = consumer
    if _task is None or _task.done():
        _wake = asyncio.Event()
        _task = asyncio.get_running_loop().create_task(_run())
    nudge()


def unregister(consumer):
    _consoles.pop(getattr(consumer, "channel_name", None), None)


def nudge():
    """Run assignment soon: the queue changed or an agent has room."""
    if _wake is not None:
        _wake.set()


def _touch(user_ids):
    AgentProfile.objects.filter(user_id__in=user_ids).update(last_seen=timezone.now())


async def _recheck_consoles():
    """Close the consoles of people who were deactivated, lost their role or were signed out since."""
    for console in list(_consoles.values()):
        try:
            await console.still_allowed()
        except Exception:
            log.exception("console access check failed")


async def _run():
    last_touch = last_recheck = 0.0
    while _consoles:
        recheck_s = conf.get("CSBOT_AGENT_RECHECK_S")
        try:
            await asyncio.wait_for(_wake.wait(), timeout=min(conf.get("CSBOT_ASSIGN_INTERVAL_S"), recheck_s))
        except TimeoutError:
            pass
        _wake.clear()
        if time.monotonic() - last_recheck >= recheck_s:
            last_recheck = time.monotonic()
            await _recheck_consoles()
        try:
            if time.monotonic() - last_touch >= TOUCH_EVERY_S:
                last_touch = time.monotonic()
                await db.read(_touch, {c.user.pk for c in _consoles.values()})
                for console in list(_consoles.values()):
                    await console.still_viewing()
            await db.call(assignment.tick)
            # What no event announces (the bot's chats and their previews, canned
            # answers added in the admin) still reaches every console within a pass.
            for console in list(_consoles.values()):
                console.schedule_refresh()
        except Exception:
            log.exception("agent runner step failed")
            await asyncio.sleep(1)
