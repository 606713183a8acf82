"""The customer API's lean HTTP stack: same answers, metrics and security headers, no thread per middleware."""

import asyncio
import json
import threading
import time

import asgiref.sync
import pytest
from asgiref.testing import ApplicationCommunicator
from channels.testing import HttpCommunicator
from django.core import signals
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
    crossings["n"] = 0
    status, headers, body = await request(
        app, "POST", "/api/chat/messages", json.dumps({"client_msg_id": "h1", "text": "hi"}).encode(),
        [auth, (b"content-type", b"application/json")],
    )
    assert status == 200 and json.loads(body)["type"] == "ack" and json.loads(body)["seq"] == 1
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert sample("django_http_requests_total_by_view_transport_method_total",
                  view="chat-post-message", transport="http", method="POST") == counted_before + 1
    # The token check (its first time for this customer) and the batch writer's transaction;
    # the site's stack adds a thread for the request signals and two crossings per middleware hook.
    assert crossings["n"] == 2, crossings["n"]
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


@pytest.fixture
def request_signals():
    """Record the request signals Django's receivers hang on, with the thread each was sent on."""
    sent = []

    def started(sender, **kwargs):
        sent.append(("started", threading.get_ident()))

    def finished(sender, **kwargs):
        sent.append(("finished", threading.get_ident()))

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    yield sent
    signals.request_started.disconnect(started)
    signals.request_finished.disconnect(finished)


async def test_api_requests_send_the_request_signals_on_the_event_loop(app, request_signals):
    communicator = HttpCommunicator(app, "POST", "/api/chat/messages", body=b"{}",
                                    headers=[(b"host", b"localhost"), (b"authorization", b"Bearer forged")])
    assert (await communicator.get_response(timeout=10))["status"] == 401
    await communicator.wait(timeout=5)  # the app closes the response after sending it
    loop_thread = threading.get_ident()
    assert request_signals == [("started", loop_thread), ("finished", loop_thread)]


async def test_a_client_leaving_a_long_poll_cancels_it_and_finishes_the_request(app, request_signals):
    _, token = await asgiref.sync.sync_to_async(make_customer)()
    scope = {
        "type": "http", "http_version": "1.1", "method": "GET", "path": "/api/chat/poll", "raw_path": b"/api/chat/poll",
        "query_string": b"after_seq=0&timeout=20", "root_path": "", "scheme": "http",
        "headers": [(b"host", b"localhost"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80),
    }
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    await asyncio.sleep(0.5)  # the poll is now waiting for a wake-up
    assert request_signals == [("started", threading.get_ident())]
    started = time.monotonic()
    await communicator.send_input({"type": "http.disconnect"})
    await communicator.wait(timeout=5)
    assert time.monotonic() - started < 5
    assert [name for name, _ in request_signals] == ["started", "finished"]
    assert await communicator.receive_nothing()  # no answer was sent to the departed client
