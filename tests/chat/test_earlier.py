"""GET /api/chat/earlier: the customer's record before a point, reaching back into closed conversations."""

import pytest
from django.test import Client

from chat import actions
from chat.models import SenderKind

from .helpers import make_customer

pytestmark = pytest.mark.django_db(transaction=True)


def say(customer, n, text):
    return actions.record_customer_message(customer=customer, client_msg_id=f"c{n}", text=text).message


def earlier(token, **query):
    return Client().get("/api/chat/earlier", query, headers={"Authorization": f"Bearer {token}"})


def texts(body):
    return [m["text"] for m in body["messages"]]


def test_a_new_conversation_reaches_back_into_the_closed_one():
    customer, token = make_customer()
    first = say(customer, 1, "where is my parcel").conversation
    actions.post_bot_reply(conversation=first, text="it ships tomorrow")
    actions.close_conversation(conversation=first, actor=SenderKind.SYSTEM)
    second = say(customer, 2, "any news").conversation

    body = earlier(token, conversation_id=second.pk, before_seq=1).json()
    assert body["conversation_id"] == str(first.pk) and texts(body) == ["where is my parcel", "it ships tomorrow"]
    assert body["more"] is False
    latest = earlier(token).json()
    assert latest["conversation_id"] == str(second.pk) and texts(latest) == ["any news"] and latest["more"] is True


def test_a_page_inside_one_conversation_says_whether_more_is_left():
    customer, token = make_customer()
    conversation = say(customer, 1, "one").conversation
    for n, text in enumerate(["two", "three", "four"], start=2):
        say(customer, n, text)
    body = earlier(token, conversation_id=conversation.pk, before_seq=4, limit=2).json()
    assert texts(body) == ["two", "three"] and body["more"] is True


def test_another_customers_conversation_reveals_nothing_of_theirs():
    other, _ = make_customer(openid="o-other")
    theirs = say(other, 1, "private words").conversation
    say(other, 2, "more private words")
    customer, token = make_customer(openid="o-me")
    body = earlier(token, conversation_id=theirs.pk + 1, before_seq=2).json()
    assert "private words" not in texts(body) and "more private words" not in texts(body)
    body = earlier(token, conversation_id=theirs.pk, before_seq=3).json()
    assert body["messages"] == []


def test_bad_requests_get_a_clear_error():
    customer, token = make_customer()
    assert earlier(token, before_seq="x").json() == {
        "error": "invalid_field", "message": "conversation_id, before_seq and limit (1-100) must be numbers"
    }
    assert earlier(token, limit=500).status_code == 400
    assert Client().get("/api/chat/earlier").status_code == 401
