"""A blocked customer can neither connect nor post; the HTTP API's short trust in an unblocked one."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async

from chat import accounts
from chat.models import Customer, Message

from .helpers import Socket, make_customer
from .test_longpoll import Client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_trust():
    # Ids come back after a test database flush; a customer trusted in an earlier test is not this one.
    accounts._allowed_until.clear()
    yield
    accounts._allowed_until.clear()


def block(customer):
    Customer.objects.filter(pk=customer.pk).update(blocked=True)


def post(client, client_msg_id):
    body = json.dumps({"client_msg_id": client_msg_id, "text": "hi"})
    return client.post("/api/chat/messages", data=body, content_type="application/json")


async def test_a_blocked_customer_gets_forbidden_on_the_socket():
    customer, token = await sync_to_async(make_customer)()
    await sync_to_async(block)(customer)
    socket = Socket(token)
    await socket.open()
    assert (await socket.recv())["code"] == "forbidden"
    assert await socket.recv() == {"type": "__closed__", "code": 4403}


async def test_a_blocked_customer_cannot_post_or_poll_and_nothing_is_written():
    customer, token = await sync_to_async(make_customer)()
    await sync_to_async(block)(customer)
    client = Client(token)
    refused = await post(client, "m1")
    assert (refused.status_code, refused.json()) == (401, {"error": "unauthorized"})
    assert (await client.get("/api/chat/poll?after_seq=0&timeout=0")).status_code == 401
    assert await sync_to_async(Message.objects.count)() == 0
    assert not accounts.recently_allowed(customer.pk)


async def test_an_unblocked_customer_is_trusted_for_a_while_then_checked_again(settings):
    settings.CSBOT_ALLOWED_CACHE_S = 0.5
    customer, token = await sync_to_async(make_customer)()
    client = Client(token)
    assert (await post(client, "m1")).status_code == 200
    assert accounts.recently_allowed(customer.pk)
    await sync_to_async(block)(customer)
    # Within the trusted time the block is not seen yet: that is the price of no query per request.
    assert (await post(client, "m2")).status_code == 200
    await asyncio.sleep(0.6)
    assert (await post(client, "m3")).status_code == 401
    stored = await sync_to_async(list)(Message.objects.order_by("seq").values_list("client_msg_id", flat=True))
    assert stored == ["m1", "m2"]


def test_the_trust_list_stays_bounded(monkeypatch):
    monkeypatch.setattr(accounts, "ALLOWED_CACHE_MAX", 3)
    customers = [make_customer(openid=f"o-{n}", device_id="d")[0] for n in range(5)]
    for customer in customers:
        assert accounts.check_allowed(customer.pk)
    assert len(accounts._allowed_until) <= 3
    assert accounts.recently_allowed(customers[-1].pk)


# --- blocking from the admin: tokens revoked, open sockets closed -----------------


async def test_blocking_kicks_the_open_socket_and_revokes_its_token():
    customer, token = await sync_to_async(make_customer)()
    socket = Socket(token)
    await socket.open()
    await socket.hello()
    assert await sync_to_async(accounts.set_blocked)(customer_id=customer.pk, blocked=True)
    assert await socket.expect("kick") == {"type": "kick", "reason": "blocked"}
    assert await socket.recv() == {"type": "__closed__", "code": 4403}
    # Unblocked later, the old token stays revoked: the customer signs in again for a new one.
    await sync_to_async(accounts.set_blocked)(customer_id=customer.pk, blocked=False)
    again = Socket(token)
    await again.open()
    assert (await again.recv())["code"] == "unauthorized"
    assert await again.recv() == {"type": "__closed__", "code": 4401}
    assert (await post(Client(token), "m-old")).status_code == 401
    _, fresh = await sync_to_async(make_customer)()
    assert (await post(Client(fresh), "m-new")).status_code == 200


async def test_an_http_client_trusted_a_moment_ago_is_refused_once_blocked(settings):
    settings.CSBOT_ALLOWED_CACHE_S = 0.3
    customer, token = await sync_to_async(make_customer)()
    client = Client(token)
    assert (await post(client, "m1")).status_code == 200
    await sync_to_async(accounts.set_blocked)(customer_id=customer.pk, blocked=True)
    await asyncio.sleep(0.4)
    assert (await post(client, "m2")).status_code == 401


def test_the_admin_action_blocks_for_those_with_the_permission_only():
    from django.contrib.auth.models import Permission, User
    from django.test import Client as PageClient

    customer, _ = make_customer()
    staff = User.objects.create_user("viewer", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_customer"))
    page = PageClient()
    page.force_login(staff)
    listing = page.get("/admin/chat/customer/")
    assert listing.status_code == 200 and "block_customers" not in listing.content.decode()
    page.post("/admin/chat/customer/", {"action": "block_customers", "_selected_action": [customer.pk]})
    assert not Customer.objects.get(pk=customer.pk).blocked
    staff.user_permissions.add(Permission.objects.get(codename="block_customer"))
    page = PageClient()
    page.force_login(User.objects.get(pk=staff.pk))
    assert "block_customers" in page.get("/admin/chat/customer/").content.decode()
    done = page.post("/admin/chat/customer/", {"action": "block_customers", "_selected_action": [customer.pk]})
    assert done.status_code == 302
    blocked = Customer.objects.get(pk=customer.pk)
    assert blocked.blocked and blocked.token_generation == 1


def test_staff_see_the_unionid_masked():
    from django.contrib.auth.models import User
    from django.test import Client as PageClient

    customer, _ = make_customer()
    Customer.objects.filter(pk=customer.pk).update(unionid="union-secret-1234567")
    admin = User.objects.create_superuser("root", password="pw")
    page = PageClient()
    page.force_login(admin)
    html = page.get(f"/admin/chat/customer/{customer.pk}/change/").content.decode()
    assert "union-secret-1234567" not in html and "unio…4567" in html
