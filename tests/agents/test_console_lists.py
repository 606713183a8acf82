"""What the console lists say about a conversation, set up through the real actions."""

import pytest

from agents import assignment, console
from chat import actions

from .helpers import make_user, queued_conversation

pytestmark = pytest.mark.django_db


def mine(user):
    return {row["id"]: row for row in console.snapshot(user)["mine"]}


def test_an_assigned_chat_waits_for_an_answer_until_the_agent_replies():
    agent = make_user("alice", role="Agents", online=True)
    conversation = queued_conversation()
    assert [c.pk for c in assignment.run_assignment()] == [conversation.pk]
    assert mine(agent)[str(conversation.pk)]["awaiting_answer"] is True
    actions.send_agent_reply(conversation=conversation, agent=agent, text="on it", agent_name="Alice")
    assert mine(agent)[str(conversation.pk)]["awaiting_answer"] is False


def test_a_transferred_chat_waits_for_its_new_agents_answer():
    alice = make_user("alice", role="Managers")
    bob = make_user("bob", role="Agents")
    conversation = actions.take_over(conversation=queued_conversation(), agent=alice, agent_name="Alice")
    actions.send_agent_reply(conversation=conversation, agent=alice, text="passing you on", agent_name="Alice")
    actions.transfer_conversation(conversation=conversation, by=alice, agent=bob, agent_name="Bob")
    assert mine(bob)[str(conversation.pk)]["awaiting_answer"] is True
    actions.send_agent_reply(conversation=conversation, agent=bob, text="Bob here", agent_name="Bob")
    assert mine(bob)[str(conversation.pk)]["awaiting_answer"] is False


def test_the_customer_panel_lists_past_conversations_but_not_silent_visits():
    from chat.models import SenderKind

    agent = make_user("alice", role="Agents")
    first = queued_conversation("my parcel is late")
    actions.close_conversation(conversation=first, actor=SenderKind.AGENT, actor_user=agent)
    visit = actions.open_conversation(customer=first.customer)  # opened the page, said nothing
    actions.close_conversation(conversation=visit, actor=SenderKind.SYSTEM)
    now = queued_conversation("still no parcel", openid=first.customer.openid)
    earlier = console.transcript(now)["customer"]["earlier"]
    assert [row["id"] for row in earlier] == [str(first.pk)]
