"""Knowledge-base answers decided by the process that stored the question, without a claim.

The compare-and-set that keeps each turn answered at most once, whichever of
the direct path and a runner's claim gets there first, and the socket path
end to end.
"""

import asyncio
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from chat import actions, realtime
from chat.actions.bot import PendingTurn
from chat.actions.customer import Incoming
from chat.bot import runner, turns
from chat.models import BotTurn

from .sockets import QUESTION, bot_message, collect, db, open_socket, say, turn_states
from .test_turn_batches import answers, bot_texts
from .test_turn_batches import say as ask

pytestmark = pytest.mark.django_db(transaction=True)


def pending(asked):
    """What the direct path knows of these questions, read as for conversations it has not seen before."""
    return [(PendingTurn(conversation_id=turn.conversation_id, message_id=turn.message_id, after=context.after), context)
            for turn, context in turns.pending_with_context([m.id for m in asked])]


def complete(found, text="the answer", worker="here"):
    """Store the answers; return ({question id: messages stored}, [question ids left to the runners])."""
    stored, left, _ = actions.complete_pending_turns(worker=worker, results=answers(found, text))
    return stored, left


def test_pending_turns_are_read_with_their_contexts_and_left_pending(customers):
    asked = [ask(customer, 1, f"question {n}") for n, customer in enumerate(customers)]
    found = turns.pending_with_context([m.id for m in asked])
    assert sorted(context.text for _, context in found) == ["question 0", "question 1", "question 2"]
    assert {turn.attempt for turn, _ in found} == {1}
    assert set(BotTurn.objects.values_list("state", flat=True)) == {"pending"}


def test_a_direct_answer_is_stored_in_sequence_and_finishes_its_turn(customers):
    asked = [ask(customer, 1) for customer in customers]
    stored, left = complete(pending(asked))
    assert left == [] and set(stored) == {m.id for m in asked}
    assert all(len(messages) == 1 and messages[0].seq == 2 for messages in stored.values())
    rows = set(BotTurn.objects.values_list("state", "outcome", "attempts", "claimed_by", "reply__text"))
    assert rows == {("done", "answer", 1, "here", "the answer")}
    # Nothing is left for a runner to claim, and the same completion again stores nothing.
    assert turns.claim_with_context(worker="w1", limit=10, lease_s=30) == []
    assert complete(pending(asked)) == ({}, [])
    assert bot_texts() == ["the answer"] * 3
    assert ask(customers[0], 2).seq == 3  # the conversation's counter moved with the answer


def test_a_turn_a_runner_claimed_first_is_answered_once_by_the_runner(customers):
    asked = ask(customers[0], 1)
    found = pending([asked])
    claimed = turns.claim_with_context(worker="w1", limit=10, lease_s=30)
    assert complete(found, "direct") == ({}, [])
    actions.complete_bot_turns(worker="w1", results=answers(claimed, "runner"))
    assert bot_texts() == ["runner"]


def test_a_late_claim_finds_nothing_once_the_direct_answer_is_stored(customers):
    asked = ask(customers[0], 1)
    complete(pending([asked]), "direct")
    assert turns.claim_with_context(worker="w1", limit=10, lease_s=30) == []
    assert bot_texts() == ["direct"]


def test_only_the_newest_question_is_answered_and_older_ones_are_cancelled(customers):
    first = ask(customers[0], 1, "first")
    early = pending([first])  # decided while the customer writes again
    second = ask(customers[0], 2, "second")
    assert complete(early, "to first") == ({}, [])
    complete(pending([second]), "to second")
    assert dict(BotTurn.objects.values_list("message__text", "state")) == {"first": "cancelled", "second": "done"}
    assert bot_texts() == ["to second"]


def test_a_conversation_whose_turn_is_streaming_is_left_to_the_runner(customers):
    ask(customers[0], 1, "first")
    turns.claim_with_context(worker="streamer", limit=10, lease_s=30)  # its answer streams under a lease
    second = ask(customers[0], 2, "second")
    assert complete(pending([second])) == ({}, [second.id])
    assert dict(BotTurn.objects.values_list("message__text", "state")) == {"first": "running", "second": "pending"}
    assert bot_texts() == []


def test_a_conversation_a_person_took_gets_nothing(customers):
    agent = User.objects.create_user("alice", password="pw", is_staff=True)
    asked = [ask(customer, 1) for customer in customers[:2]]
    found = pending(asked)
    actions.take_over(conversation=asked[0].conversation_id, agent=agent, agent_name="Alice")
    stored, _ = complete(found)
    assert stored[asked[0].id] == [] and len(stored[asked[1].id]) == 1
    assert dict(BotTurn.objects.values_list("conversation_id", "state"))[asked[0].conversation_id] == "cancelled"
    assert bot_texts() == ["the answer"]


def test_a_new_turn_is_left_to_the_process_that_stored_it_unless_handed_over(customers):
    asked = [ask(customer, 1) for customer in customers]
    claim = dict(worker="w1", limit=10, lease_s=30, grace_s=60)
    assert turns.claim_with_context(**claim) == []
    handed = asked[0].conversation_id
    assert [t.conversation_id for t, _ in turns.claim_with_context(**claim, woken=[handed])] == [handed]
    # Once the grace is over (the process that stored them died), any runner claims them.
    BotTurn.objects.filter(state="pending").update(created_at=timezone.now() - timedelta(seconds=61))
    assert len(turns.claim_with_context(**claim)) == 2


def test_a_decision_that_read_an_outdated_conversation_is_left_to_the_runners(customers):
    first = ask(customers[0], 1, "first")
    complete(pending([first]), "to first")
    second = ask(customers[0], 2, "second")
    remembered = pending([second])
    # Meanwhile another process answered: the conversation's last finished turn is not the one read.
    actions.complete_bot_turns(worker="w1", results=answers(turns.claim_with_context(worker="w1", limit=10,
                                                                                      lease_s=30), "elsewhere"))
    third = ask(customers[0], 3, "third")
    outdated = [(PendingTurn(conversation_id=t.conversation_id, message_id=third.id, after=t.after), c)
                for t, c in remembered]
    assert complete(outdated) == ({}, [third.id])
    assert BotTurn.objects.get(message=third).state == "pending"
    assert complete(pending([third]), "to third")[0].keys() == {third.id}
    assert bot_texts() == ["elsewhere", "to first", "to third"]


@pytest.mark.parametrize("wake_bot", [True, False])
def test_the_runners_are_woken_unless_the_caller_answers(customers, wake_bot):
    items = [Incoming(customer_id=c.pk, client_msg_id="m1", text="hi") for c in customers]
    _, published = realtime.collecting(actions.record_customer_messages)(items=items, wake_bot=wake_bot)
    woken = [group for group, _ in published if group == realtime.BOT_TURNS_GROUP]
    assert len(woken) == (3 if wake_bot else 0)
    assert BotTurn.objects.filter(state="pending").count() == 3  # the turns are queued either way


def _count_claims(monkeypatch):
    claims = []
    original = turns.claim_with_context

    def counting(**kwargs):
        found = original(**kwargs)
        claims.extend(found)
        return found

    monkeypatch.setattr(turns, "claim_with_context", counting)
    return claims


async def test_the_process_that_stored_the_question_answers_it_without_a_claim(bot, demo_kb, monkeypatch):
    claims = _count_claims(monkeypatch)
    bot.CSBOT_BOT_POLL_S = 60.0  # the runner only looks when woken
    _, socket = await open_socket()
    for n in range(3):
        await say(socket, f"m{n}", QUESTION)
        frames = await collect(socket, bot_message, timeout=10)
        assert frames[-1]["sender"] == "bot" and "refund" in frames[-1]["text"].lower()
    await socket.nothing(0.3)
    assert await turn_states() == [("done", "answer")] * 3
    assert claims == []
    # The process remembers the conversation's last answer, so its next question needs no read.
    last = await db(lambda: BotTurn.objects.order_by("-id").values_list("conversation_id", "id").first())()
    direct = runner.direct_answers()
    assert direct is not None and direct.remembered[last[0]][0] == last[1]
    await socket.close()


async def test_with_the_direct_path_off_the_runner_claims_and_answers(bot, demo_kb, monkeypatch):
    claims = _count_claims(monkeypatch)
    bot.CSBOT_BOT_DIRECT = False
    await _answered_after_one_claim(claims)


async def _answered_after_one_claim(claims):
    _, socket = await open_socket()
    await say(socket, "m1", QUESTION)
    frames = await collect(socket, bot_message, timeout=10)
    assert "refund" in frames[-1]["text"].lower()
    assert len(claims) == 1 and await turn_states() == [("done", "answer")]
    await socket.close()


async def test_a_handoff_decided_here_is_left_to_the_runner(bot, demo_kb, monkeypatch):
    claims = _count_claims(monkeypatch)
    _, socket = await open_socket()
    await say(socket, "m1", "转人工")
    await collect(socket, lambda f: f["type"] == "status" and f["status"] == "queued", timeout=10)
    assert len(claims) == 1 and await turn_states() == [("done", "handoff")]
    await socket.close()


async def test_turns_left_when_the_runner_stops_are_answered_by_the_next(bot, demo_kb):
    """The process stops between storing the question and answering it: the next runner's poll answers it once."""
    direct = runner.direct_answers()
    assert direct is not None
    direct.offer = lambda messages: None  # this process dies right after the commit
    _, socket = await open_socket()
    await say(socket, "m1", QUESTION)
    await collect(socket, lambda f: f["type"] == "ack")
    await socket.nothing(0.3)
    assert await turn_states() == [("pending", "")]
    await runner.stop()
    runner.ensure_started()  # the next process: its poll finds the pending turn
    frames = await collect(socket, bot_message, timeout=10)
    assert "refund" in frames[-1]["text"].lower()
    await socket.nothing(0.5)
    assert await turn_states() == [("done", "answer")]
    await asyncio.sleep(0)
    await socket.close()


async def test_questions_beyond_what_may_wait_in_memory_wait_for_the_runners(bot, demo_kb, monkeypatch):
    from chat.bot import direct as direct_module

    monkeypatch.setattr(direct_module, "MAX_WAITING", 0)  # every question overflows
    await _answered_after_one_claim(_count_claims(monkeypatch))


async def test_questions_waiting_here_are_kept_from_this_process_runner(monkeypatch):
    """However long a question waits for its batch here, this process's runner does not claim it too."""
    from types import SimpleNamespace

    from chat.bot import direct as direct_module

    monkeypatch.setattr(direct_module, "MAX_IN_FLIGHT", 0)  # no batch starts: the questions wait
    answers_here = direct_module.DirectAnswers(runner=None)
    answers_here.offer([SimpleNamespace(conversation_id=c, id=i) for i, c in enumerate((1, 2, 2))])
    assert answers_here.in_flight == {1: 1, 2: 1} and not answers_here.tasks
    answers_here.cancel()
    assert not answers_here.in_flight and not answers_here.waiting


def test_one_question_per_conversation_waits_and_the_newest_takes_the_place(monkeypatch):
    """Questions faster than batches must not queue up to be decided after they were superseded."""
    from types import SimpleNamespace

    from chat.bot import direct as direct_module

    monkeypatch.setattr(direct_module, "MAX_IN_FLIGHT", 0)
    answers_here = direct_module.DirectAnswers(runner=None)
    asked = [SimpleNamespace(conversation_id=c, id=i) for i, c in enumerate((1, 2, 1, 3, 1))]
    answers_here.offer(asked[:3])
    answers_here.offer(asked[3:])
    answers_here.offer([asked[0]])  # an older question offered late replaces nothing
    assert [(c, m.id) for c, m in answers_here.waiting.items()] == [(1, 4), (2, 1), (3, 3)]
    assert answers_here.in_flight == {1: 1, 2: 1, 3: 1}


def test_conversations_beyond_what_may_wait_are_handed_to_the_runners(monkeypatch):
    from types import SimpleNamespace

    from chat.bot import direct as direct_module

    published = []
    monkeypatch.setattr(direct_module, "MAX_IN_FLIGHT", 0)
    monkeypatch.setattr(direct_module, "MAX_WAITING", 2)
    monkeypatch.setattr(realtime, "publish_in_order", published.extend)
    answers_here = direct_module.DirectAnswers(runner=None)
    answers_here.offer([SimpleNamespace(conversation_id=c, id=i) for i, c in enumerate((1, 2, 3, 1, 4))])
    assert list(answers_here.waiting) == [1, 2]  # 1's newer question still waits in its place
    assert [event["conversation_id"] for _, event in published] == [3, 4]
