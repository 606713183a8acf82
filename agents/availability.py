"""Whether a customer asking for a human can expect one now: agents online and business hours."""

from datetime import time

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from . import conf, presence


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


def availability(now=None):
    """Return what the chat page tells a waiting customer: agents online, open now, and the hours."""
    hours = business_hours()
    return {
        "agents_online": presence.online_profiles(now).count(),
        "open_now": is_open(now, hours),
        "hours": f"{hours[0]:%H:%M}–{hours[1]:%H:%M}" if hours else "",
    }
