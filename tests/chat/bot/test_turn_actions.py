"""Bot turns through the actions: created with the message, claimed once, answered at most once."""

import pytest
from django.contrib.auth.models import User

from chat import actions
from chat.bot import turns
from chat.models import BotTurn, Conversation, Message
from tests.chat.helpers import make_customer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bot_on(settings):
    settings.CSBOT_BOT_ENABLED = True
    return settings


@pytest.fixture
def customer(bot_on):
    return make_customer()[0]


@pytest.fixture
def agent():
    return User.objects.create_user("alice", password="pw", is_staff=True)


def say(customer, n, text="hello?"):
    return actions.record_customer_message(customer=customer, client_msg_id=f"c{n}", text=text).message


def claim(worker="w1", lease_s=30):
    return turns.claim_turns(worker=worker, limit=10, lease_s=lease_s)


def complete(turn, worker="w1", **kwargs):
    kwargs.setdefault("outcome", "answer")
    kwargs.setdefault("replies", ["the answer"])
    return actions.complete_bot_turn(turn=turn, worker=worker, attempt=turn.attempt, **kwargs)


def bot_texts():
    return list(Message.objects.filter(sender="bot").values_list("text", flat=True))


def test_a_turn_is_created_with_the_message_only_while_the_bot_owns_the_conversation(customer, agent):
    message = say(customer, 1)
    assert BotTurn.objects.get().message == message
    again = actions.record_customer_message(customer=customer, client_msg_id="c1", text="hello?")
    assert not again.created and BotTurn.objects.count() == 1
    actions.take_over(conversation=message.conversation, agent=agent, agent_name="Alice")
    say(customer, 2)
    assert BotTurn.objects.count() == 1


def test_no_turn_when_the_bot_is_disabled(customer, settings):
    settings.CSBOT_BOT_ENABLED = False
    say(customer, 1)
    assert BotTurn.objects.count() == 0


def test_only_the_newest_waiting_turn_is_claimed(customer):
    for n in range(3):
        say(customer, n)
    (turn,) = claim()
    states = list(BotTurn.objects.values_list("pk", "state"))
    assert [s for _, s in states] == ["cancelled", "cancelled", "running"] and turn.id == states[-1][0]
    assert claim("w2") == []  # nothing left; the running one is leased


def test_a_running_conversation_is_not_claimed_twice_but_others_are(customer):
    say(customer, 1)
    assert len(claim("w1")) == 1
    say(customer, 2)  # the customer writes again while w1 still holds its lease
    assert claim("w2") == []
    other = make_customer(openid="o-other")[0]
    say(other, 1)
    assert [t.conversation_id for t in claim("w2")] == [Conversation.objects.get(customer=other).pk]


def test_an_expired_lease_is_redelivered_and_the_first_worker_can_no_longer_answer(customer):
    say(customer, 1)
    (first,) = claim("w1", lease_s=0)  # w1 "dies": its lease is already over
    (second,) = claim("w2")
    assert (second.id, second.attempt) == (first.id, 2)
    assert complete(first, worker="w1") == []
    assert len(complete(second, worker="w2", replies=["from w2"])) == 1
    assert bot_texts() == ["from w2"]
    assert complete(second, worker="w2") == []  # a repeated completion stores nothing
    assert BotTurn.objects.get().state == "done" and bot_texts() == ["from w2"]


@pytest.mark.parametrize("status", ["queued", "agent", "closed"])
def test_the_bot_never_answers_a_conversation_it_does_not_own(customer, agent, status):
    message = say(customer, 1)
    (turn,) = claim()
    conversation = message.conversation
    if status == "queued":
        actions.request_handoff(conversation=conversation, actor="customer", reason="customer_request")
    elif status == "agent":
        actions.take_over(conversation=conversation, agent=agent, agent_name="Alice")
    else:
        actions.close_conversation(conversation=conversation, actor="agent", actor_user=agent)
    assert complete(turn, replies=["too late"], handoff_reason="repeated_miss") == []
    assert not actions.begin_bot_stream(turn=turn, worker="w1", attempt=turn.attempt, stream_id="s1")
    assert bot_texts() == [] and BotTurn.objects.get().state == "cancelled"
    assert Conversation.objects.get().status == status


def test_a_stream_begun_before_a_takeover_still_ends_with_its_message(customer, agent):
    message = say(customer, 1)
    (turn,) = claim()
    assert actions.begin_bot_stream(turn=turn, worker="w1", attempt=turn.attempt, stream_id="s1")
    actions.take_over(conversation=message.conversation, agent=agent, agent_name="Alice")
    stored = complete(turn, outcome="handoff", replies=["what was said", "a notice"], stream_id="s1",
                      handoff_reason="llm_error")
    assert [(m.text, m.stream_id) for m in stored] == [("what was said", "s1")]
    assert Conversation.objects.get().status == "agent"  # no handoff after a takeover
    say(customer, 2)  # the agent has it now: no new turn, no more bot speech
    assert BotTurn.objects.count() == 1 and bot_texts() == ["what was said"]


def test_handoff_stores_the_notice_before_the_status_change(customer):
    say(customer, 1)
    (turn,) = claim()
    (notice,) = complete(turn, outcome="handoff", replies=["connecting you"], handoff_reason="customer_request")
    conversation = Conversation.objects.get()
    event = conversation.events.get(kind="handoff_requested")
    assert conversation.status == "queued" and event.actor == "bot" and event.data["reason"] == "customer_request"
    assert notice.created_at <= event.created_at and notice.seq == 2


def test_miss_streak_is_read_from_earlier_turns(customer):
    outcomes = ["suggest", "greeting", "suggest"]
    for n, outcome in enumerate(outcomes):
        say(customer, n)
        (turn,) = claim()
        complete(turn, outcome=outcome, replies=[outcome])
    say(customer, 9)
    (turn,) = claim()
    assert turns.load_context(turn).misses == 2
    complete(turn, outcome="answer")
    say(customer, 10)
    (turn,) = claim()
    assert turns.load_context(turn).misses == 0
