"""Customer messages stored in batches: the same result as one by one, in order."""

import asyncio

import pytest
from channels.db import database_sync_to_async

from chat import actions, ingest, realtime
from chat.actions import Incoming
from chat.models import Conversation, Message
from chat.protocol.errors import ErrorCode, ProtocolError

from .helpers import make_customer

pytestmark = pytest.mark.django_db(transaction=True)


def test_batch_matches_one_by_one_order_and_dedup():
    amy = make_customer("amy")[0]
    bob = make_customer("bob")[0]
    actions.record_customer_message(customer=amy, client_msg_id="old", text="earlier")
    items = [
        Incoming(customer_id=amy.pk, client_msg_id="a1", text="one"),
        Incoming(customer_id=bob.pk, client_msg_id="b1", text="uno"),
        Incoming(customer_id=amy.pk, client_msg_id="a2", text="two"),
        Incoming(customer_id=amy.pk, client_msg_id="a1", text="one"),  # repeated in the batch
        Incoming(customer_id=amy.pk, client_msg_id="old", text="earlier"),  # stored before
    ]
    results, published = realtime.collecting(actions.record_customer_messages)(items=items)
    assert [(r.created, r.message.seq) for r in results] == [(True, 2), (True, 1), (True, 3), (False, 2), (False, 1)]
    assert results[3].message.pk == results[0].message.pk
    assert results[1].opened is not None and results[0].opened is None
    assert Message.objects.count() == 4
    assert dict(Conversation.objects.values_list("customer__openid", "last_seq")) == {"amy": 3, "bob": 1}
    sent = [m["frame"]["seq"] for g, m in published if g == f"customer.{amy.pk}" and m["kind"] == "message"]
    assert sent == [2, 3]


def test_first_message_time_is_kept_for_queues_and_reports():
    amy = make_customer("amy")[0]
    conversation = actions.open_conversation(customer=amy)
    results = actions.record_customer_messages(items=[Incoming(customer_id=amy.pk, client_msg_id="a1", text="hi")])
    conversation.refresh_from_db()
    assert conversation.first_customer_message_at == results[0].message.created_at


async def test_writer_batches_concurrent_messages_and_isolates_a_bad_one():
    amy, _ = await database_sync_to_async(make_customer)("amy")
    good = [ingest.store_customer_message(customer_id=amy.pk, client_msg_id=f"m{n}", text=f"t{n}") for n in range(30)]
    bad = ingest.store_customer_message(customer_id=987654321, client_msg_id="x", text="nobody")
    results = await asyncio.gather(*good, bad, return_exceptions=True)
    assert isinstance(results[-1], Exception)
    assert [r.message.seq for r in results[:-1]] == list(range(1, 31))  # in the order they were submitted
    count = await database_sync_to_async(Message.objects.count)()
    assert count == 30



async def test_an_unstorable_message_is_refused_before_it_joins_a_batch(caplog):
    amy, _ = await database_sync_to_async(make_customer)("amy")
    good = [ingest.store_customer_message(customer_id=amy.pk, client_msg_id=f"m{n}", text=f"t{n}") for n in range(10)]
    bad = [ingest.store_customer_message(customer_id=amy.pk, client_msg_id="nul", text="a\x00b"),
           ingest.store_customer_message(customer_id=amy.pk, client_msg_id="sur", text="a\ud800b")]
    results = await asyncio.gather(*good[:5], *bad, *good[5:], return_exceptions=True)
    refused = [r for r in results if isinstance(r, Exception)]
    assert [(type(r), r.code) for r in refused] == [(ProtocolError, ErrorCode.TEXT_INVALID)] * 2
    assert [r.message.seq for r in results if not isinstance(r, Exception)] == list(range(1, 11))
    assert "storing them singly" not in caplog.text  # the good ones went as one batch
    assert await database_sync_to_async(Message.objects.count)() == 10
