"""Domain actions against the database: rows, audit events and what they publish."""

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from chat import actions, realtime
from chat.models import Conversation, ConversationEvent, Message, SenderKind
from chat.sync import prepare_welcome

from .helpers import make_customer

pytestmark = pytest.mark.django_db(transaction=True)


def run(fn, **kwargs):
    """Call an action and return (result, published items)."""
    return realtime.collecting(fn)(**kwargs)


@pytest.fixture
def customer():
    return make_customer()[0]


@pytest.fixture
def agent():
    return User.objects.create_user("alice", password="pw", is_staff=True)


def test_messages_get_gapless_seqs_and_are_published(customer):
    recorded, items = run(actions.record_customer_message, customer=customer, client_msg_id="c1", text="hi")
    assert recorded.created and recorded.opened is not None and recorded.message.seq == 1
    groups = sorted(group for group, _ in items)
    assert f"customer.{customer.pk}" in groups and f"conv.{recorded.message.conversation_id}" in groups
    for n in range(2, 6):
        result, _ = run(actions.record_customer_message, customer=customer, client_msg_id=f"c{n}", text="x")
        assert result.message.seq == n
    assert Conversation.objects.get().last_seq == 5


def test_duplicate_client_msg_id_returns_first_ack(customer):
    first, _ = run(actions.record_customer_message, customer=customer, client_msg_id="same", text="hi")
    again, items = run(actions.record_customer_message, customer=customer, client_msg_id="same", text="hi")
    assert not again.created and again.message.pk == first.message.pk
    assert items == [] and Message.objects.count() == 1


def test_bot_cannot_speak_unless_it_owns_the_conversation(customer, agent):
    conversation = actions.open_conversation(customer=customer)
    actions.record_customer_message(customer=customer, client_msg_id="c1", text="help")
    actions.post_bot_reply(conversation=conversation, text="hello")
    actions.request_handoff(conversation=conversation, actor=SenderKind.CUSTOMER, reason="customer_request")
    with pytest.raises(actions.ConversationStateError):
        actions.post_bot_reply(conversation=conversation, text="still me")
    actions.take_over(conversation=conversation, agent=agent, agent_name="Alice")
    with pytest.raises(actions.ConversationStateError):
        actions.post_bot_reply(conversation=conversation, text="still me")
    actions.close_conversation(conversation=conversation, actor=SenderKind.AGENT, actor_user=agent)
    with pytest.raises(actions.ConversationStateError):
        actions.post_bot_reply(conversation=conversation, text="still me")
    assert list(Message.objects.filter(sender="bot").values_list("text", flat=True)) == ["hello"]


def test_handoff_queues_with_position_and_audit_event(customer):
    conversation = actions.open_conversation(customer=customer)
    actions.record_customer_message(customer=customer, client_msg_id="c1", text="人工")
    result, items = run(actions.request_handoff, conversation=conversation, actor=SenderKind.CUSTOMER, reason="customer_request")
    assert result.status == "queued" and result.waiting_since is not None
    assert actions.queue_position(result) == 1
    event = ConversationEvent.objects.get(kind="handoff_requested")
    assert (event.actor, event.from_status, event.to_status) == ("customer", "bot", "queued")
    statuses = [m["frame"] for _, m in items if m["kind"] == "status"]
    assert {"type": "status", "conversation_id": str(conversation.pk), "status": "queued", "queue_position": 1} in statuses


def test_handoff_before_any_message_promises_no_place_until_the_customer_writes(customer):
    conversation = actions.open_conversation(customer=customer)
    result, items = run(actions.request_handoff, conversation=conversation, actor=SenderKind.CUSTOMER, reason="customer_request")
    assert result.status == "queued" and actions.queue_position(result) is None
    statuses = [m["frame"] for _, m in items if m["kind"] == "status"]
    assert statuses and all("queue_position" not in frame for frame in statuses)
    actions.record_customer_message(customer=customer, client_msg_id="c1", text="my refund")
    assert actions.queue_position(Conversation.objects.get(pk=conversation.pk)) == 1


def test_next_message_after_close_opens_a_new_conversation(customer, agent):
    first = actions.record_customer_message(customer=customer, client_msg_id="c1", text="hi").message.conversation
    actions.close_conversation(conversation=first, actor=SenderKind.SYSTEM)
    recorded = actions.record_customer_message(customer=customer, client_msg_id="c2", text="again")
    assert recorded.opened is not None and recorded.opened.pk != first.pk and recorded.message.seq == 1
    # A resend of a message stored in the closed conversation still finds it.
    again = actions.record_customer_message(customer=customer, client_msg_id="c1", text="hi")
    assert not again.created and again.message.conversation_id == first.pk


def test_private_notes_have_no_seq_and_never_reach_the_customer(customer, agent):
    conversation = actions.open_conversation(customer=customer)
    actions.take_over(conversation=conversation, agent=agent, agent_name="Alice")
    note, items = run(actions.add_private_note, conversation=conversation, agent=agent, text="VIP customer")
    assert note.seq is None and note.is_note
    assert all(not group.startswith("customer.") for group, _ in items)
    reply = actions.send_agent_reply(conversation=conversation, agent=agent, text="Hello", agent_name="Alice")
    assert reply.seq == 1


def test_database_allows_one_open_conversation_per_customer(customer):
    actions.open_conversation(customer=customer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Conversation.objects.create(customer=customer, status="bot")


def test_only_the_assigned_agent_can_reply(customer, agent):
    other = User.objects.create_user("bob", is_staff=True)
    conversation = actions.open_conversation(customer=customer)
    actions.take_over(conversation=conversation, agent=agent, agent_name="Alice")
    with pytest.raises(actions.ConversationStateError):
        actions.send_agent_reply(conversation=conversation, agent=other, text="hi", agent_name="Bob")


def test_rating_applies_to_the_latest_closed_conversation(customer):
    with pytest.raises(actions.ConversationStateError):
        actions.rate_conversation(customer=customer, score=5)
    conversation = actions.open_conversation(customer=customer)
    actions.close_conversation(conversation=conversation, actor=SenderKind.SYSTEM)
    rated = actions.rate_conversation(customer=customer, score=4, comment="ok")
    assert rated.pk == conversation.pk and Conversation.objects.get().rating == 4
    assert ConversationEvent.objects.filter(kind="rated", actor="customer").count() == 1


def test_resume_replays_after_last_seq_and_refuses_bad_points(customer):
    conversation = actions.open_conversation(customer=customer)
    for n in range(1, 6):
        actions.record_customer_message(customer=customer, client_msg_id=f"c{n}", text=f"m{n}")
    welcome = prepare_welcome(customer=customer, resume={"conversation_id": conversation.pk, "last_seq": 2})
    assert welcome.recovered and [f["seq"] for f in welcome.frames] == [3, 4, 5]
    for bad in ({"conversation_id": conversation.pk, "last_seq": 9}, {"conversation_id": 999999, "last_seq": 0}):
        welcome = prepare_welcome(customer=customer, resume=bad)
        assert not welcome.recovered and [f["seq"] for f in welcome.frames] == [1, 2, 3, 4, 5]


def test_resume_of_a_closed_conversation_replays_it_then_shows_the_new_one(customer):
    old = actions.open_conversation(customer=customer)
    actions.record_customer_message(customer=customer, client_msg_id="c1", text="one")
    actions.post_bot_reply(conversation=old, text="answer")
    actions.close_conversation(conversation=old, actor=SenderKind.SYSTEM)
    welcome = prepare_welcome(customer=customer, resume={"conversation_id": old.pk, "last_seq": 1})
    assert welcome.recovered and welcome.conversation.pk != old.pk
    assert [(f["type"], f.get("seq"), f.get("status")) for f in welcome.frames] == [
        ("message", 2, None), ("status", None, "closed"),
    ]
