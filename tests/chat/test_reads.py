"""The plain-SQL reads every poll and catch-up goes through give what the ORM gives."""

import pytest

from chat import sql
from chat.accounts import blocked_flag
from chat.actions import latest_conversation
from chat.models import Conversation, Customer, Message
from chat.presenters import message_frame
from chat.sync import frame_bytes, messages_after, newest_within, page_before, replay_bytes

from .helpers import make_customer

pytestmark = pytest.mark.django_db


def conversation(customer, status, **fields):
    return Conversation.objects.create(customer=customer, status=status, **fields)


def test_latest_conversation_is_none_for_a_customer_without_one():
    customer, _ = make_customer()
    assert latest_conversation(customer.pk) is None


def test_latest_conversation_prefers_the_open_one_to_a_newer_closed_one():
    customer, _ = make_customer()
    open_one = conversation(customer, "agent", agent_name="Ana")
    conversation(customer, "closed")  # newer id, but closed
    found = latest_conversation(customer.pk)
    assert (found.pk, found.status, found.agent_name) == (open_one.pk, "agent", "Ana")
    # The whole row, with the ORM's own conversions: datetimes stay aware datetimes.
    assert found.opened_at == Conversation.objects.get(pk=open_one.pk).opened_at


def test_latest_conversation_falls_back_to_the_most_recent_closed_one():
    customer, _ = make_customer()
    other, _ = make_customer(openid="o-other")
    conversation(customer, "closed")
    newest = conversation(customer, "closed")
    conversation(other, "bot")  # someone else's open conversation is never this customer's
    assert latest_conversation(customer.pk).pk == newest.pk
    assert latest_conversation(customer).pk == newest.pk  # a model instance works as well as an id


def test_messages_after_matches_the_orm_and_hides_notes():
    customer, _ = make_customer()
    conv = conversation(customer, "agent")
    for seq in range(1, 8):
        Message.objects.create(conversation=conv, seq=seq, sender="agent", sender_name="Ana" if seq % 2 else "",
                               client_msg_id=f"c-{seq}" if seq % 3 == 0 else None, text=f"text {seq}")
    Message.objects.create(conversation=conv, seq=None, sender="agent", is_note=True, text="internal note")
    expected = [message_frame(m) for m in Message.objects.filter(conversation=conv, is_note=False).order_by("seq")]

    assert messages_after(conv.pk, 0) == expected
    assert messages_after(conv.pk, 3) == expected[3:]
    assert messages_after(conv.pk, 2, upto=5) == expected[2:5]
    assert messages_after(conv.pk, 1, limit=2) == expected[1:3]
    assert messages_after(conv.pk, 7) == []
    assert all(isinstance(frame["ts"], int) for frame in expected)


def test_blocked_flag_reads_the_customers_row():
    customer, _ = make_customer()
    assert blocked_flag(customer.pk) is False
    Customer.objects.filter(pk=customer.pk).update(blocked=True)
    assert blocked_flag(customer.pk) is True
    assert blocked_flag(customer.pk + 1000) is None


def test_newest_within_keeps_the_newest_frames_that_fit():
    frames = [{"seq": n, "text": "x" * 100} for n in range(11, 21)]
    size = frame_bytes(frames[0])
    assert [f["seq"] for f in newest_within(frames, 3 * size)] == [18, 19, 20]
    assert [f["seq"] for f in newest_within(frames, 10)] == [20]  # one always goes, whatever its size
    assert newest_within(frames, 100 * size) == frames


LONG = "长" * 4000  # 12 KB of UTF-8, the longest text a message may hold


def long_conversation(count):
    from chat import actions

    customer, _ = make_customer()
    current = actions.open_conversation(customer=customer)
    for n in range(count):
        actions.post_bot_reply(conversation=current.pk, text=f"{n} {LONG}" if n % 3 else f"short {n}")
    return current.pk


def test_a_page_bounded_in_bytes_is_the_newest_that_fit_of_the_whole_page():
    conversation_id = long_conversation(30)
    for before_seq in (0, 25, 2):
        whole = page_before(conversation_id, before_seq, 100)
        for budget in (10, 12_500, 30_000, 64 * 1024, 10**6):
            assert page_before(conversation_id, before_seq, 100, max_bytes=budget) == newest_within(whole, budget)


def test_a_page_bounded_in_bytes_reads_only_the_rows_that_can_fit(monkeypatch):
    conversation_id = long_conversation(100)
    fetched = []
    real_rows = sql.rows
    monkeypatch.setattr(sql, "rows", lambda statement, params: fetched.append(len(r := real_rows(statement, params))) or r)
    page = page_before(conversation_id, 0, 100, max_bytes=64 * 1024)
    assert [f["seq"] for f in page] == list(range(93, 101))  # five long messages and three short ones fit
    assert fetched == [len(page)]  # not the next: its text alone is more than what is left


def test_replay_bytes_is_a_lower_bound_of_the_frames_sizes():
    conversation_id = long_conversation(10)
    frames = messages_after(conversation_id, 4)
    assert 0.9 * sum(map(frame_bytes, frames)) < replay_bytes(conversation_id, 4) <= sum(map(frame_bytes, frames))
    assert replay_bytes(conversation_id, 10) == 0
