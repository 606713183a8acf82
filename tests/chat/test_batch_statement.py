"""The one-statement batch on PostgreSQL stores and publishes exactly what the general path does."""

import threading
import time

import pytest
from django.db import IntegrityError, connection, connections, transaction

from chat import actions, batch_statement, realtime
from chat.actions import Incoming
from chat.models import BotTurn, Conversation, Message, SenderKind
from tests.support import services

from .helpers import make_customer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def on_postgres():
    if connection.vendor != "postgresql":
        # Fails under CI when PostgreSQL is missing; otherwise the PostgreSQL pass runs this.
        services.postgres_url()
        pytest.skip("runs in the PostgreSQL pass (DATABASE_URL=$TEST_DATABASE_URL pytest -m django_db)")


@pytest.fixture
def paths(monkeypatch):
    """Count the batches the statement stored and the ones it handed to the general path."""
    taken = {"statement": 0, "general": 0}
    store = batch_statement.store

    def counted(items, **kwargs):
        stored = store(items, **kwargs)
        taken["general" if stored is None else "statement"] += 1
        return stored

    monkeypatch.setattr(batch_statement, "store", counted)
    return taken


def general_only(monkeypatch):
    monkeypatch.setattr(batch_statement, "store", lambda items, **kwargs: None)


def scenario(prefix, settings):
    """Batches touching every case; return what they returned, published and stored, without ids."""
    settings.CSBOT_BOT_ENABLED = True
    names = [f"{prefix}-{n}" for n in ("amy", "bob", "cy", "dee")]
    amy, bob, cy, dee = (make_customer(name)[0] for name in names)
    name_of = {c.pk: name.split("-", 1)[1] for c, name in zip((amy, bob, cy, dee), names)}
    actions.record_customer_message(customer=amy, client_msg_id="old", text="earlier")
    actions.record_customer_message(customer=bob, client_msg_id="b0", text="first")
    queued = actions.open_conversation(customer=cy)
    actions.request_handoff(conversation=queued, actor=SenderKind.CUSTOMER, reason="customer_request")
    # Dee's first conversation closed; her resend of its message is still recognised.
    actions.record_customer_message(customer=dee, client_msg_id="d0", text="long ago")
    actions.close_conversation(conversation=Conversation.objects.get(customer=dee), actor=SenderKind.SYSTEM)
    actions.open_conversation(customer=dee)
    batches = [
        [
            Incoming(customer_id=amy.pk, client_msg_id="a1", text="one"),
            Incoming(customer_id=bob.pk, client_msg_id="b1", text="uno"),
            Incoming(customer_id=amy.pk, client_msg_id="a2", text="two"),
            Incoming(customer_id=amy.pk, client_msg_id="a1", text="one"),  # repeated in the batch
            Incoming(customer_id=amy.pk, client_msg_id="old", text="earlier"),  # stored before
            Incoming(customer_id=cy.pk, client_msg_id="c1", text="waiting"),  # first message of a queued one
            Incoming(customer_id=dee.pk, client_msg_id="d0", text="long ago"),  # stored in a closed one
            Incoming(customer_id=dee.pk, client_msg_id="d1", text="again"),
        ],
        [
            Incoming(customer_id=bob.pk, client_msg_id="b1", text="uno"),
            Incoming(customer_id=cy.pk, client_msg_id="c2", text="?"),
            # Text that an array literal would misread if it were not quoted: NULL, braces, quotes, commas.
            Incoming(customer_id=bob.pk, client_msg_id="NULL", text='NULL'),
            Incoming(customer_id=bob.pk, client_msg_id="b3", text='say "hi", {a,b} \\ it\'s 好'),
        ],
    ]
    returned, published = [], []
    for items in batches:
        results, sent = realtime.collecting(actions.record_customer_messages)(items=items)
        returned.append([(name_of[r.message.conversation.customer_id], r.message.client_msg_id, r.message.seq,
                          r.created, r.opened is not None, r.message.text, r.message.created_at is not None)
                         for r in results])
        # The queue's update reaches every queued customer, the other scenario's too: only ours are compared.
        published.append(sorted(d for d in (describe(group, event, name_of) for group, event in sent) if d[1] is not None))
    customers = list(name_of)
    stored = sorted(
        (name_of[m.conversation.customer_id], m.conversation.status, m.seq, m.client_msg_id, m.text, m.sender)
        for m in Message.objects.filter(conversation__customer__in=customers).select_related("conversation")
    )
    heads = sorted(
        (name_of[c.customer_id], c.status, c.last_seq, first_customer_message(c))
        for c in Conversation.objects.filter(customer__in=customers)
    )
    turns = sorted(
        (name_of[t.conversation.customer_id], t.message.client_msg_id, t.state)
        for t in BotTurn.objects.filter(conversation__customer__in=customers).select_related("conversation", "message")
    )
    return returned, published, stored, heads, turns


def first_customer_message(conversation):
    """Whether first_customer_message_at is the time of the conversation's first customer message."""
    first = conversation.messages.filter(sender=SenderKind.CUSTOMER).order_by("seq").first()
    return (first.created_at if first else None) == conversation.first_customer_message_at


def describe(group, event, name_of):
    """A published event without ids: its group's kind, the customer, and what it says."""
    kind = group.split(".")[0]
    frame = event.get("frame") or {}
    who = ""
    if kind == "customer":
        who = name_of.get(int(group.split(".")[1]))
    elif "conversation_id" in event:
        who = name_of.get(Conversation.objects.get(pk=event["conversation_id"]).customer_id)
    return kind, who, event["kind"], frame.get("seq"), frame.get("client_msg_id"), frame.get("text"), frame.get("status")


def test_statement_stores_returns_and_publishes_what_the_general_path_does(settings, monkeypatch, paths):
    by_statement = scenario("s", settings)
    assert paths == {"statement": 2, "general": 3}  # both batches; the three first messages opened conversations
    general_only(monkeypatch)
    by_general = scenario("g", settings)
    assert by_statement == by_general
    returned, published, _, heads, turns = by_statement
    assert [(who, seq, created) for who, _, seq, created, *_ in returned[0]] == [
        ("amy", 2, True), ("bob", 2, True), ("amy", 3, True), ("amy", 2, False), ("amy", 1, False),
        ("cy", 1, True), ("dee", 1, False), ("dee", 1, True),
    ]
    assert ("agents", "", "queue", None, None, None, None) in published[0]  # cy's first message moved the queue
    assert ("cy", "queued", 2, True) in heads
    assert ("amy", "a2", "pending") in turns and not [t for t in turns if t[0] == "cy"]


def test_customer_without_open_conversation_takes_the_general_path_and_nothing_is_half_written(paths):
    amy = make_customer("amy")[0]
    bob = make_customer("bob")[0]
    actions.record_customer_message(customer=amy, client_msg_id="a0", text="hello")
    before = paths["general"]
    results = actions.record_customer_messages(items=[
        Incoming(customer_id=amy.pk, client_msg_id="a1", text="one"),
        Incoming(customer_id=bob.pk, client_msg_id="b1", text="new here"),
    ])
    assert paths["general"] == before + 1
    assert [(r.message.seq, r.created, r.opened is not None) for r in results] == [(2, True, False), (1, True, True)]
    assert sorted(Message.objects.values_list("client_msg_id", flat=True)) == ["a0", "a1", "b1"]


def test_inside_a_callers_transaction_a_failed_statement_spoils_nothing(paths):
    amy = make_customer("amy")[0]
    with transaction.atomic():
        actions.record_customer_message(customer=amy, client_msg_id="a0", text="hello")  # opens: general path
        first = actions.record_customer_message(customer=amy, client_msg_id="a1", text="one")
        assert paths["statement"] == 1 and first.message.seq == 2
        # A unique violation inside the statement rolls back its savepoint only.
        Message.objects.filter(client_msg_id="a1").update(client_msg_id="a2")
        Conversation.objects.filter(customer=amy).update(last_seq=1)
        with pytest.raises(IntegrityError):
            actions.record_customer_message(customer=amy, client_msg_id="a3", text="clash")
        assert paths["general"] == 2  # after the statement failed, the general path tried (and failed) too
        assert Message.objects.count() == 2
    assert Conversation.objects.get(customer=amy).last_seq == 1


def test_copy_committed_while_waiting_for_the_lock_is_recognised_not_stored_twice(paths):
    """Two instances store the same resend: the second waits for the first's lock, then finds its row."""
    amy = make_customer("amy")[0]
    actions.record_customer_message(customer=amy, client_msg_id="a0", text="hello")
    conversation = Conversation.objects.get(customer=amy)
    locked, done, outcome = threading.Event(), threading.Event(), {}

    def first_instance():
        try:
            with transaction.atomic():
                Conversation.objects.select_for_update().get(pk=conversation.pk)
                locked.set()
                done.wait(10)
                outcome["first"] = actions.record_customer_message(customer=amy, client_msg_id="dup", text="same")
        finally:
            connections.close_all()

    def second_instance():
        try:
            outcome["second"] = actions.record_customer_message(customer=amy, client_msg_id="dup", text="same")
        finally:
            connections.close_all()

    holder = threading.Thread(target=first_instance)
    holder.start()
    assert locked.wait(10)
    racer = threading.Thread(target=second_instance)
    racer.start()
    waiting_for_lock(conversation.pk)
    done.set()
    holder.join(10)
    racer.join(10)
    assert not holder.is_alive() and not racer.is_alive()
    first, second = outcome["first"], outcome["second"]
    assert first.created and not second.created and second.message.pk == first.message.pk
    assert paths["general"] == 2  # the opening message, then the racer after its statement failed
    assert Message.objects.filter(client_msg_id="dup").count() == 1
    assert Conversation.objects.get(pk=conversation.pk).last_seq == 2


def waiting_for_lock(conversation_id, attempts=200):
    """Return once another session waits for a row lock (bounded: 200 looks, 10 s)."""
    for _ in range(attempts):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError(f"nobody waited for conversation {conversation_id}'s lock")
