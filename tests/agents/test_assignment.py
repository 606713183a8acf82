"""Assignment from the queue: order, capacity, presence and the answer timeout."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents import assignment, conf, presence
from agents.models import AgentProfile
from chat import actions
from chat.models import Conversation, ConversationEvent

from .helpers import customer_conversation, make_user, queued_conversation

pytestmark = pytest.mark.django_db(transaction=True)


def test_first_come_first_served_to_the_least_loaded_online_agent():
    busy = make_user("busy", role="Agents", capacity=3, online=True)
    idle = make_user("idle", role="Agents", capacity=3, online=True)
    make_user("away", role="Agents", capacity=3)
    first = queued_conversation()
    actions.take_over(conversation=customer_conversation(), agent=busy, agent_name="busy")
    assigned = assignment.run_assignment()
    assert [c.pk for c in assigned] == [first.pk]
    first.refresh_from_db()
    assert first.status == "agent" and first.assigned_agent == idle and first.agent_name == "idle"
    event = first.events.latest("pk")
    assert event.kind == "assigned" and event.actor == "system" and event.data["waiting_since"]


def test_never_over_capacity_and_the_rest_keep_waiting_in_order():
    make_user("a", role="Agents", capacity=2, online=True)
    queued = [queued_conversation() for _ in range(4)]
    assignment.run_assignment()
    statuses = list(Conversation.objects.filter(pk__in=[c.pk for c in queued]).order_by("pk").values_list("status", flat=True))
    assert statuses == ["agent", "agent", "queued", "queued"]
    assert actions.queue_position(Conversation.objects.get(pk=queued[2].pk)) == 1


def test_conversation_without_customer_message_is_not_assigned():
    make_user("a", role="Agents", online=True)
    from chat.accounts import sign_in

    customer, _ = sign_in(openid="silent", device_id="d", platform="web")
    conversation = actions.open_conversation(customer=customer)
    actions.request_handoff(conversation=conversation, actor="customer")
    assert assignment.run_assignment() == []


def test_agent_whose_console_went_silent_is_offline_and_gets_nothing():
    agent = make_user("a", role="Agents", online=True)
    AgentProfile.objects.filter(user=agent).update(last_seen=timezone.now() - timedelta(seconds=61))
    queued_conversation()
    assert presence.effective_status(presence.profile_for(agent)) == "offline"
    assert assignment.run_assignment() == []
    presence.touch(user=agent)
    assert len(assignment.run_assignment()) == 1


def test_unanswered_assignment_returns_to_the_queue_at_its_place(settings):
    settings.CSBOT_ASSIGN_TIMEOUT_S = 120
    agent = make_user("a", role="Agents", capacity=1, online=True)
    first = queued_conversation()
    second = queued_conversation()
    assignment.run_assignment()
    first.refresh_from_db()
    assert first.assigned_agent == agent
    assert assignment.release_unanswered() == []
    later = timezone.now() + timedelta(seconds=121)
    assert assignment.release_unanswered(now=later) == [first.pk]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "queued" and first.assigned_agent is None
    assert first.waiting_since < second.waiting_since
    assert actions.queue_position(first) == 1 and actions.queue_position(second) == 2
    event = first.events.latest("pk")
    assert event.kind == ConversationEvent.Kind.UNASSIGNED and event.data["reason"] == "timeout"


def test_answered_assignment_is_kept():
    agent = make_user("a", role="Agents", capacity=1, online=True)
    conversation = queued_conversation()
    assignment.run_assignment()
    actions.send_agent_reply(conversation=conversation, agent=agent, text="Hi, I am here", agent_name="a")
    assert assignment.release_unanswered(now=timezone.now() + timedelta(hours=1)) == []


def test_agent_who_missed_a_chat_is_set_away_and_another_gets_it():
    first_choice = make_user("first", role="Agents", capacity=2, online=True)
    other = make_user("other", role="Agents", capacity=2, online=True)
    conversation = queued_conversation()
    assignment.run_assignment()
    conversation.refresh_from_db()
    assert conversation.assigned_agent == first_choice
    assignment.release_unanswered(now=timezone.now() + timedelta(seconds=500))
    assert presence.profile_for(first_choice).status == "away"
    assignment.run_assignment()
    conversation.refresh_from_db()
    assert conversation.assigned_agent == other


def test_transfer_names_who_passed_it_on():
    a = make_user("a", role="Agents", online=True)
    b = make_user("b", role="Agents", online=True)
    conversation = actions.take_over(conversation=queued_conversation(), agent=a, agent_name="a")
    actions.transfer_conversation(conversation=conversation, by=a, agent=b, agent_name="b")
    conversation.refresh_from_db()
    event = conversation.events.latest("pk")
    assert conversation.assigned_agent == b and conversation.agent_name == "b"
    assert event.kind == "transferred" and event.actor_user == a and event.data == {"previous_agent": a.pk, "agent": b.pk}


def test_agent_replying_in_another_chat_who_misses_one_stays_online():
    busy = make_user("busy", role="Agents", capacity=2, online=True)
    serving = queued_conversation()
    assignment.run_assignment()
    missed = queued_conversation()
    assignment.run_assignment()
    missed.refresh_from_db()
    assert missed.assigned_agent == busy
    # Replying to the first customer as the second assignment times out.
    reply = actions.send_agent_reply(conversation=serving, agent=busy, text="one moment please", agent_name="busy")
    later = reply.created_at + timedelta(seconds=conf.get("CSBOT_ASSIGN_TIMEOUT_S"))
    assert assignment.release_unanswered(now=later) == [missed.pk]
    assert presence.profile_for(busy).status == "online"
