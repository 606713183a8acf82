"""Rows written from the models' fields: what `sql.insert` and `sql.insert_select` store is what the ORM would."""

import ast
import re
from pathlib import Path

import pytest
from django.db import models
from django.test.utils import isolate_apps
from django.utils import timezone

from chat import sql
from chat.models import BotTurn, Conversation, Message, SenderKind

from .helpers import make_customer

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def stored(model, pk):
    """Every concrete field of a row, as the ORM reads it back."""
    row = model.objects.get(pk=pk)
    return {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields if not f.primary_key}


def conversation():
    return Conversation.objects.create(customer=make_customer()[0], status=Conversation.Status.BOT)


def test_insert_stores_what_the_orm_stores_field_for_field():
    conv = conversation()
    now = timezone.now()
    by_orm = Message.objects.create(conversation=conv, seq=1, sender=SenderKind.BOT, text="hi", created_at=now)
    by_insert = Message(conversation=conv, seq=2, sender=SenderKind.BOT, text="hi", created_at=now)
    sql.insert(Message, [by_insert])

    assert by_insert.pk is not None and not by_insert._state.adding
    orm, ours = stored(Message, by_orm.pk), stored(Message, by_insert.pk)
    # The auto_now_add field was set on save by the ORM; only seq differs by construction.
    assert {**orm, "seq": 2, "created_at": None} == {**ours, "created_at": None}
    assert ours["refused"] is False and ours["is_note"] is False and ours["sender_name"] == ""


def test_insert_sets_auto_now_add_when_left_empty():
    message = Message(conversation=conversation(), seq=1, sender=SenderKind.CUSTOMER, text="x")
    before = timezone.now()
    sql.insert(Message, [message])

    assert message.created_at is not None and message.created_at >= before
    assert stored(Message, message.pk)["created_at"] == message.created_at


def test_a_batch_gets_its_ids_back_by_its_match_fields_whatever_the_order():
    conv = conversation()
    now = timezone.now()
    batch = [Message(conversation=conv, seq=n, sender=SenderKind.CUSTOMER, text=f"m{n}", created_at=now)
             for n in (5, 3, 4)]
    sql.insert(Message, batch, match=("conversation", "seq"))

    for message in batch:
        assert Message.objects.get(pk=message.pk).text == f"m{message.seq}"


def test_a_batch_without_match_fields_is_refused_and_writes_nothing():
    conv = conversation()
    batch = [Message(conversation=conv, seq=n, sender=SenderKind.CUSTOMER, text="m") for n in (1, 2)]
    with pytest.raises(ValueError, match="match"):
        sql.insert(Message, batch)
    assert not Message.objects.filter(conversation=conv).exists()


TURN_FIELDS = ["state", "outcome", "article", "suggestions", "reply", "lease_until", "finished_at"]


def test_update_stores_what_bulk_update_stores_field_for_field():
    conv = conversation()
    asked = [Message.objects.create(conversation=conv, seq=n, sender=SenderKind.CUSTOMER, text=f"q{n}") for n in (1, 2, 3, 4)]
    replies = [Message.objects.create(conversation=conv, seq=n, sender=SenderKind.BOT, text="a") for n in (5, 6)]
    turns = [BotTurn.objects.create(conversation=conv, message=m, state=BotTurn.State.RUNNING, lease_until=timezone.now())
             for m in asked]
    now = timezone.now()
    finish = [  # (state, outcome, article, suggestions, reply, lease_until, finished_at)
        (BotTurn.State.DONE, "answer", "refunds", [], replies[0], None, now),
        (BotTurn.State.DONE, "suggest", "", ["a-1", "b'2", '{"x"}'], replies[1], None, now),
    ]
    for turn, values in zip(turns, finish + finish):
        for name, value in zip(TURN_FIELDS, values):
            setattr(turn, name, value)
    turns[2].reply = turns[3].reply = None  # a reply is one to one

    assert sql.update(BotTurn, turns[:2], TURN_FIELDS) == 2
    BotTurn.objects.bulk_update(turns[2:], TURN_FIELDS)

    ours = [stored(BotTurn, t.pk) for t in turns[:2]]
    orm = [stored(BotTurn, t.pk) for t in turns[2:]]
    differ_by_construction = {"message_id", "reply_id", "created_at"}
    for a, b in zip(ours, orm):
        assert {k: v for k, v in a.items() if k not in differ_by_construction} == \
            {k: v for k, v in b.items() if k not in differ_by_construction}
    assert [o["reply_id"] for o in ours] == [replies[0].pk, replies[1].pk]
    assert ours[1]["suggestions"] == ["a-1", "b'2", '{"x"}'] and ours[0]["lease_until"] is None


def test_update_of_nothing_changes_nothing():
    assert sql.update(Conversation, [], ["last_seq"]) == 0


def test_insert_select_names_every_field_and_fills_the_rest_with_defaults():
    columns, select, params = sql.insert_select(
        BotTurn, columns={"conversation_id": "%s", "message_id": "%s"}, values={"created_at": timezone.now()}
    )
    fields = [f for f in BotTurn._meta.concrete_fields if not f.primary_key]
    assert columns.count(",") + 1 == len(fields) == select.count(",") + 1
    conv = conversation()
    message = Message.objects.create(conversation=conv, seq=1, sender=SenderKind.CUSTOMER, text="q")
    # The given columns are the first two placeholders in field order (conversation, message).
    sql.run(f"INSERT INTO {sql.table(BotTurn)} ({columns}) VALUES ({select})", [conv.pk, message.pk, *params])

    turn = BotTurn.objects.get(message=message)
    assert (turn.state, turn.attempts, turn.claimed_by, turn.article, turn.suggestions) == (
        BotTurn.State.PENDING, 0, "", "", [])


def test_insert_select_with_named_parameters():
    columns, select, params = sql.insert_select(Message, columns={"seq": "7"}, values={"text": "t"}, named="m")
    assert "%(m_text)s" in select and params["m_text"] == "t" and "m_seq" not in params


def test_insert_select_refuses_a_field_the_model_does_not_have():
    with pytest.raises(ValueError, match="no fields"):
        sql.insert_select(Message, columns={"nonexistent": "1"}, values={})


@isolate_apps("chat")
def test_a_db_default_without_a_python_default_is_refused():
    class Row(models.Model):  # noqa: DJ008 (a throw-away model)
        flag = models.BooleanField(db_default=False)

        class Meta:
            app_label = "chat"

    with pytest.raises(TypeError, match="db_default"):
        sql.insert_select(Row, columns={}, values={})


def test_from_values_fills_missing_fields_with_defaults():
    message = sql.from_values(Message, {"id": 9, "conversation_id": 1, "seq": 1, "sender": SenderKind.CUSTOMER,
                                        "text": "t"})
    assert (message.pk, message.sender_name, message.is_note, message.refused) == (9, "", False, False)
    assert not message._state.adding


def _strings(tree):
    """Every string literal, with each f-string's replacement fields shown as `{}`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


# A column list written out after the table name: "INSERT INTO {} (customer_id, ...".
SPELLED_COLUMNS = re.compile(r"INSERT\s+INTO\s+\S+\s*\(\s*[A-Za-z_\"]", re.IGNORECASE)


def test_the_spelled_columns_check_sees_an_f_string():
    tree = ast.parse('f"INSERT INTO {table} (customer_id, seq) VALUES (%s, %s)"')
    assert any(SPELLED_COLUMNS.search(text) for _, text in _strings(tree))
    tree = ast.parse('f"INSERT INTO {table} ({columns}) VALUES ({values})"')
    assert not any(SPELLED_COLUMNS.search(text) for _, text in _strings(tree))


def test_no_product_insert_spells_out_its_columns():
    """Every INSERT in the product takes its column list from a model's fields, never by hand."""
    spelled = []
    for path in [*ROOT.joinpath("chat").rglob("*.py"), *ROOT.joinpath("agents").rglob("*.py"),
                 *ROOT.joinpath("csbot").rglob("*.py")]:
        if "migrations" in path.parts:
            continue
        for lineno, text in _strings(ast.parse(path.read_text())):
            if SPELLED_COLUMNS.search(text):
                spelled.append(f"{path.relative_to(ROOT)}:{lineno}")
    assert spelled == []
