"""What the chat page tells a waiting customer: is anyone there, and when agents work."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from agents.availability import availability, is_open

from .helpers import make_user

pytestmark = pytest.mark.django_db


def at(hour, minute=0):
    return datetime(2026, 12, 2, hour, minute, tzinfo=UTC)


def test_business_hours_include_the_opening_minute_and_may_run_past_midnight(settings):
    settings.TIME_ZONE = "UTC"
    settings.CSBOT_BUSINESS_HOURS = "09:00-21:00"
    assert is_open(at(9)) and is_open(at(20, 59)) and not is_open(at(21)) and not is_open(at(8, 59))
    settings.CSBOT_BUSINESS_HOURS = "22:00-06:00"
    assert is_open(at(23)) and is_open(at(5)) and not is_open(at(12))
    settings.CSBOT_BUSINESS_HOURS = ""
    assert is_open(at(3))
    settings.CSBOT_BUSINESS_HOURS = "nine to five"
    with pytest.raises(ImproperlyConfigured):
        is_open(at(3))


def test_the_page_learns_how_many_agents_are_online_and_the_hours(settings):
    settings.CSBOT_BUSINESS_HOURS = "09:00-21:00"
    assert availability()["agents_online"] == 0
    make_user("alice", role="Agents", online=True)
    make_user("bob", role="Agents")
    body = Client().get("/api/chat/availability").json()
    assert body["agents_online"] == 1 and body["hours"] == "09:00–21:00" and isinstance(body["open_now"], bool)
