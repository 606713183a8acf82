"""Whether a customer asking for a human can expect one now, and how long they may wait."""

import statistics
from datetime import time, timedelta

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from chat.models import ConversationEvent

from . import conf, presence

Kind = ConversationEvent.Kind
PICKED_UP = [Kind.ASSIGNED, Kind.TAKEN_OVER]
# The estimate follows the latest pick-ups: enough for a steady median, recent
# enough to follow the day's load, never older than a week.
WAIT_SAMPLES = 50
WAIT_WINDOW = timedelta(days=7)


def business_hours():
    """Return (opens, closes) as times from CSBOT_BUSINESS_HOURS, or None for always open."""
    value = (conf.get("CSBOT_BUSINESS_HOURS") or "").strip()
    if not value:
        return None
    try:
        opens, closes = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError as exc:
        raise ImproperlyConfigured('CSBOT_BUSINESS_HOURS must look like "09:00-21:00"') from exc
    return opens, closes


def is_open(now=None, hours=None):
    """Tell whether local time is within business hours (which may run past midnight)."""
    hours = hours if hours is not None else business_hours()
    if hours is None:
        return True
    opens, closes = hours
    moment = timezone.localtime(now or timezone.now()).time()
    return opens <= moment < closes if opens <= closes else moment >= opens or moment < closes


def recent_median_wait(now=None):
    """Return the median seconds from hand-off to an agent's pick-up over the latest pick-ups, or None."""
    now = now or timezone.now()
    # Newest first by primary key: the database walks its index backwards and stops early.
    picked = list(
        ConversationEvent.objects.filter(kind__in=PICKED_UP, created_at__gte=now - WAIT_WINDOW)
        .order_by("-pk").values_list("conversation_id", "created_at")[:WAIT_SAMPLES]
    )
    handoffs = {}
    for conversation_id, at in ConversationEvent.objects.filter(
        kind=Kind.HANDOFF_REQUESTED, conversation_id__in={c for c, _ in picked}
    ).values_list("conversation_id", "created_at"):
        handoffs.setdefault(conversation_id, []).append(at)
    waits = []
    for conversation_id, picked_at in picked:
        # The hand-off this pick-up answered; an agent taking a chat from the bot unasked waited for nobody.
        asked = [at for at in handoffs.get(conversation_id, ()) if at <= picked_at]
        if asked:
            waits.append((picked_at - max(asked)).total_seconds())
    return statistics.median(waits) if waits else None


def estimated_wait(position, *, agents_online, now=None):
    """Return the seconds a customer at `position` in the queue may expect to wait, or None without a basis.

    Each place ahead costs about one recent median wait, shared among the
    agents online. No agent online, or no pick-up in the past week, gives no
    estimate: the page then says so rather than inventing a figure.
    """
    if not position or agents_online < 1:
        return None
    median = recent_median_wait(now)
    if median is None:
        return None
    return round(median * position / agents_online)


def availability(now=None, position=None):
    """Return what the chat page tells a waiting customer: agents online, open now, the hours and the wait."""
    hours = business_hours()
    online = presence.online_profiles(now).count()
    answer = {
        "agents_online": online,
        "open_now": is_open(now, hours),
        "hours": f"{hours[0]:%H:%M}–{hours[1]:%H:%M}" if hours else "",
    }
    if position is not None:
        answer["estimated_wait_s"] = estimated_wait(position, agents_online=online, now=now) if answer["open_now"] else None
    return answer
