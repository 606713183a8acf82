"""The customer API's lean HTTP stack: same answers, metrics and security headers, no thread per middleware."""

import json

import asgiref.sync
import pytest
from channels.testing import HttpCommunicator
from django.core.asgi import get_asgi_application
from prometheus_client import REGISTRY

from chat.models import Message
from csbot import api_http
from tests.chat.helpers import make_customer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def app():
    # Wired as csbot/asgi.py wires it (that module also tunes the process, so it is not imported here).
    return api_http.route(api_http.ApiHandler(), get_asgi_application())


@pytest.fixture
def crossings(monkeypatch):
    """Count the calls that run sync code on a thread (Django's hooks, database reads) during a request."""
    count = {"n": 0}
    original = asgiref.sync.SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        count["n"] += 1
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(asgiref.sync.SyncToAsync, "__call__", counted)
    return count


async def request(app, method, path, body=b"", headers=(), host=b"localhost"):
    communicator = HttpCommunicator(app, method, path, body=body, headers=[(b"host", host), *headers])
    response = await communicator.get_response(timeout=10)
    return response["status"], {k.lower(): v for k, v in response["headers"]}, response["body"]


def sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_post_message_through_the_api_stack_acks_counts_and_sets_security_headers(app, crossings):
    _, token = await asgiref.sync.sync_to_async(make_customer)()
    auth = (b"authorization", f"Bearer {token}".encode())
    counted_before = sample("django_http_requests_total_by_view_transport_method_total",
                            view="chat-post-message", transport="http", method="POST")
    status, headers, body = await request(
        app, "POST", "/api/chat/messages", json.dumps({"client_msg_id": "h1", "text": "hi"}).encode(),
        [auth, (b"content-type", b"application/json")],
    )
    assert status == 200 and json.loads(body)["type"] == "ack" and json.loads(body)["seq"] == 1
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert sample("django_http_requests_total_by_view_transport_method_total",
                  view="chat-post-message", transport="http", method="POST") == counted_before + 1
    # request_started, the token check, the batch writer's transaction and the response's close:
    # the site's stack adds two crossings per middleware hook on top.
    assert crossings["n"] <= 5, crossings["n"]
    assert await asgiref.sync.sync_to_async(Message.objects.count)() == 1


async def test_bad_api_requests_get_the_same_errors_and_write_nothing(app):
    status, _, body = await request(app, "POST", "/api/chat/messages", b"{nope", [(b"authorization", b"Bearer forged")])
    assert (status, json.loads(body)) == (401, {"error": "unauthorized"})
    status, _, _ = await request(app, "GET", "/api/chat/messages")
    assert status == 405
    _, token = await asgiref.sync.sync_to_async(make_customer)()
    status, _, _ = await request(  # the Host check against ALLOWED_HOSTS still applies
        app, "POST", "/api/chat/messages", json.dumps({"client_msg_id": "h1", "text": "hi"}).encode(),
        [(b"authorization", f"Bearer {token}".encode()), (b"content-type", b"application/json")], host=b"evil.example",
    )
    assert status == 400
    assert await asgiref.sync.sync_to_async(Message.objects.count)() == 0


async def test_pages_keep_the_full_stack(app, crossings):
    status, headers, _ = await request(app, "GET", "/")
    assert status == 200
    assert headers[b"x-frame-options"] == b"DENY"  # the clickjacking middleware, not in the API stack
    assert crossings["n"] > 10
