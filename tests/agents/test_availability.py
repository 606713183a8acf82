"""What the chat page tells a waiting customer: is anyone there, and when agents work."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F
from django.test import Client
from django.utils import timezone

from agents.availability import availability, estimated_wait, is_open, recent_median_wait
from chat import actions
from chat.models import ConversationEvent

from .helpers import customer_conversation, make_user, queued_conversation

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


def served_after(seconds, agent):
    """A conversation handed off `seconds` before an agent took it over (the wait moved back in time)."""
    conversation = queued_conversation()
    actions.take_over(conversation=conversation, agent=agent, agent_name=agent.username)
    ConversationEvent.objects.filter(conversation=conversation, kind="handoff_requested").update(
        created_at=F("created_at") - timedelta(seconds=seconds)
    )
    return conversation


def test_the_estimate_is_the_recent_median_wait_per_place_shared_among_agents_online():
    alice = make_user("alice", role="Agents", online=True)
    assert estimated_wait(1, agents_online=1) is None  # nobody served yet: no figure invented
    for seconds in (60, 120, 600):
        served_after(seconds, alice)
    # The conversation an agent took from the bot unasked waited for nobody and does not count.
    actions.take_over(conversation=customer_conversation(), agent=alice, agent_name="alice")
    assert recent_median_wait() == pytest.approx(120, abs=2)
    assert estimated_wait(1, agents_online=1) == pytest.approx(120, abs=2)
    assert estimated_wait(3, agents_online=2) == pytest.approx(180, abs=3)
    assert estimated_wait(3, agents_online=0) is None
    assert estimated_wait(None, agents_online=2) is None


def test_waits_older_than_a_week_are_left_out():
    alice = make_user("alice", role="Agents", online=True)
    served_after(300, alice)
    assert recent_median_wait(now=timezone.now() + timedelta(days=8)) is None


def test_the_page_asks_for_its_place_and_gets_the_wait(settings):
    settings.CSBOT_BUSINESS_HOURS = ""
    alice = make_user("alice", role="Agents", online=True)
    served_after(240, alice)
    client = Client()
    assert "estimated_wait_s" not in client.get("/api/chat/availability").json()
    body = client.get("/api/chat/availability?position=2").json()
    assert body["agents_online"] == 1 and body["estimated_wait_s"] == pytest.approx(480, abs=4)


def test_outside_business_hours_there_is_no_wait_to_announce(settings):
    settings.TIME_ZONE = "UTC"
    alice = make_user("alice", role="Agents", online=True)
    served_after(240, alice)
    now = timezone.now()
    settings.CSBOT_BUSINESS_HOURS = f"{(now + timedelta(hours=2)):%H:00}-{(now + timedelta(hours=3)):%H:00}"
    body = Client().get("/api/chat/availability?position=1").json()
    assert body["open_now"] is False and body["estimated_wait_s"] is None


@pytest.mark.parametrize("position", ["abc", "0", "-1", "10001", "1.5"])
def test_a_position_that_is_no_place_in_line_is_refused_plainly(position, caplog):
    response = Client().get(f"/api/chat/availability?position={position}")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_field"
    assert "Traceback" not in caplog.text
