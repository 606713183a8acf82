"""Bot turns claimed and finished in batches: one claim with contexts, one transaction, each turn at most once."""

import pytest
from django.contrib.auth.models import User

from chat import actions
from chat.actions import TurnResult
from chat.bot import turns
from chat.models import BotTurn, Message

pytestmark = pytest.mark.django_db(transaction=True)


def say(customer, n, text="hello?"):
    return actions.record_customer_message(customer=customer, client_msg_id=f"c{n}", text=text).message


def claim(worker="w1", lease_s=30, limit=10):
    return turns.claim_with_context(worker=worker, limit=limit, lease_s=lease_s)


def answers(claimed, text="the answer"):
    return [TurnResult(turn=turn, attempt=turn.attempt, outcome="answer", replies=(text,), article="a1")
            for turn, _ in claimed]


def bot_texts():
    return sorted(Message.objects.filter(sender="bot").values_list("text", flat=True))


def test_one_claim_reads_the_contexts_of_many_conversations(customers):
    for n, customer in enumerate(customers):
        say(customer, 1, f"question {n}")
    claimed = claim()
    assert sorted(context.text for _, context in claimed) == ["question 0", "question 1", "question 2"]
    assert {context.status for _, context in claimed} == {"bot"}
    assert all(context.recent is None for _, context in claimed)  # read later, only for an LLM answer
    assert set(BotTurn.objects.values_list("state", flat=True)) == {"running"}


def test_a_batch_stores_every_answer_in_sequence_and_finishes_its_turns(customers):
    for customer in customers:
        say(customer, 1)
    claimed = claim()
    stored = actions.complete_bot_turns(worker="w1", results=answers(claimed))
    assert all(len(messages) == 1 and messages[0].seq == 2 for messages in stored.values())
    assert bot_texts() == ["the answer"] * 3
    rows = list(BotTurn.objects.values_list("state", "outcome", "article", "reply__text", "lease_until"))
    assert rows == [("done", "answer", "a1", "the answer", None)] * 3
    # The next question follows the answer's seq: the conversation's counter moved with it.
    assert say(customers[0], 2).seq == 3


def test_only_the_newest_waiting_question_of_a_conversation_is_answered(customers):
    say(customers[0], 1, "first")
    say(customers[0], 2, "second")
    say(customers[1], 1, "other")
    claimed = claim()
    assert sorted(context.text for _, context in claimed) == ["other", "second"]
    actions.complete_bot_turns(worker="w1", results=answers(claimed))
    states = dict(BotTurn.objects.values_list("message__text", "state"))
    assert states == {"first": "cancelled", "second": "done", "other": "done"}


def test_a_batch_of_a_dead_worker_is_answered_once_by_the_next(customers):
    for customer in customers:
        say(customer, 1)
    dead = claim("w1", lease_s=0)  # w1 dies after its claim: its leases are already over
    again = claim("w2")
    assert sorted((t.id, t.attempt) for t, _ in again) == sorted((t.id, 2) for t, _ in dead)
    actions.complete_bot_turns(worker="w2", results=answers(again, "from w2"))
    # The dead worker's batch, arriving late, stores nothing, and a repeat of w2's stores nothing more.
    assert actions.complete_bot_turns(worker="w1", results=answers(dead, "from w1")) == {t.id: [] for t, _ in dead}
    assert actions.complete_bot_turns(worker="w2", results=answers(again, "again")) == {t.id: [] for t, _ in again}
    assert bot_texts() == ["from w2"] * 3
    assert set(BotTurn.objects.values_list("state", flat=True)) == {"done"}


def test_a_batch_says_nothing_in_a_conversation_a_person_took(customers):
    agent = User.objects.create_user("alice", password="pw", is_staff=True)
    for customer in customers[:2]:
        say(customer, 1)
    claimed = claim()
    taken = claimed[0][0].conversation_id
    actions.take_over(conversation=taken, agent=agent, agent_name="Alice")
    stored = actions.complete_bot_turns(worker="w1", results=answers(claimed))
    assert stored[claimed[0][0].id] == [] and len(stored[claimed[1][0].id]) == 1
    states = dict(BotTurn.objects.values_list("conversation_id", "state"))
    assert states[taken] == "cancelled"
    assert bot_texts() == ["the answer"]


def test_leases_of_a_slow_batch_are_renewed_only_while_the_worker_owns_them(customers):
    for customer in customers:
        say(customer, 1)
    claimed = [turn for turn, _ in claim("w1", lease_s=0)]
    assert turns.renew_leases(claimed, worker="w1", lease_s=30) == 3
    assert claim("w2") == []  # renewed: nobody else takes them
    assert turns.renew_leases(claimed, worker="w2", lease_s=30) == 0
