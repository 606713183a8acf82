"""Staff rights checked on every console command, not only at connect, and the console socket's Origin check."""

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session

from agents.routing import origin_allowed
from chat import actions
from chat.models import Conversation
from tests.chat.helpers import Socket, token_for

from .helpers import customer_conversation, make_user, queued_conversation
from .sockets import Console, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


@pytest.fixture
def alice():
    return make_user("alice", role="Agents")


async def signed_in(user):
    console = Console(await db(session_cookie)(user))
    assert (await console.open())[0]
    await console.hello(status="away")
    return console


async def assigned_to(agent, text="help"):
    conversation = await db(queued_conversation)(text)
    await db(actions.take_over)(conversation=conversation, agent=agent, agent_name=agent.username)
    return conversation


async def test_an_agent_cannot_take_over_a_colleagues_chat_but_a_manager_can(alice):
    bob = await db(make_user)("bob", role="Agents")
    boss = await db(make_user)("boss", role="Managers")
    conversation = await assigned_to(alice)
    bob_console = await signed_in(bob)
    refused = await bob_console.command("take_over", conversation.pk)
    assert (refused["type"], refused["code"]) == ("error", "forbidden")
    assert (await db(Conversation.objects.get)(pk=conversation.pk)).assigned_agent_id == alice.pk
    # And so bob cannot reply or close it either.
    assert (await bob_console.command("reply", conversation.pk, text="mine now"))["code"] == "not_assigned"
    assert (await bob_console.command("close", conversation.pk))["code"] == "forbidden"
    boss_console = await signed_in(boss)
    assert (await boss_console.command("take_over", conversation.pk))["type"] == "done"
    assert (await db(Conversation.objects.get)(pk=conversation.pk)).assigned_agent_id == boss.pk
    # A waiting chat is anyone's to take.
    waiting = await db(queued_conversation)("another")
    assert (await bob_console.command("take_over", waiting.pk))["type"] == "done"
    await bob_console.close()
    await boss_console.close()


async def test_only_the_assignee_types_to_the_customer(alice):
    bob = await db(make_user)("bob", role="Agents")
    conversation = await db(customer_conversation)("where is it")
    await db(actions.take_over)(conversation=conversation, agent=alice, agent_name="alice")
    customer = Socket(await db(lambda: token_for(conversation.customer))())
    await customer.open()
    await customer.hello()
    bob_console = await signed_in(bob)
    await bob_console.send({"type": "open", "conversation_id": str(conversation.pk)})
    await bob_console.expect("transcript")
    await bob_console.send({"type": "typing", "conversation_id": str(conversation.pk)})
    assert (await bob_console.expect("error"))["code"] == "forbidden"
    await customer.nothing(timeout=0.5)
    alice_console = await signed_in(alice)
    await alice_console.send({"type": "open", "conversation_id": str(conversation.pk)})
    await alice_console.expect("transcript")
    await alice_console.send({"type": "typing", "conversation_id": str(conversation.pk)})
    assert (await customer.expect("typing"))["sender"] == "agent"
    await customer.close()
    await bob_console.close()
    await alice_console.close()


def deactivate(user):
    type(user).objects.filter(pk=user.pk).update(is_active=False)


def drop_roles(user):
    user.groups.clear()


def sign_out_everywhere(user):
    for session in Session.objects.all():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()


def change_password(user):
    user.set_password("a-new-password-1")
    user.save()


@pytest.mark.parametrize("withdraw, code, close_code", [
    (deactivate, "unauthorized", 4401),
    (drop_roles, "forbidden", 4403),
    (sign_out_everywhere, "unauthorized", 4401),
    (change_password, "unauthorized", 4401),
])
async def test_the_next_command_after_access_is_withdrawn_is_refused_and_closes(alice, withdraw, code, close_code):
    conversation = await assigned_to(alice)
    console = await signed_in(alice)
    await db(withdraw)(alice)
    await console.send({"type": "command", "command": "close", "conversation_id": str(conversation.pk), "ref": "r1"})
    assert (await console.expect("error"))["code"] == code
    assert await console.recv() == {"type": "__closed__", "code": close_code}
    assert (await db(Conversation.objects.get)(pk=conversation.pk)).status == "agent"  # nothing done


@pytest.mark.parametrize("withdraw, close_code", [(deactivate, 4401), (drop_roles, 4403), (sign_out_everywhere, 4401)])
async def test_an_idle_console_is_closed_within_seconds_of_access_being_withdrawn(alice, settings, withdraw, close_code):
    settings.CSBOT_AGENT_RECHECK_S = 0.3
    settings.CSBOT_ASSIGN_INTERVAL_S = 0.3
    console = await signed_in(alice)
    await console.nothing(timeout=0.5)
    await db(withdraw)(alice)
    for _ in range(20):
        frame = await console.recv(timeout=3)
        if frame["type"] == "__closed__":
            break
    assert frame == {"type": "__closed__", "code": close_code}


def scope(origin, host="chat.example.com", scheme="wss"):
    headers = [(b"host", host.encode())] + ([(b"origin", origin.encode())] if origin else [])
    return {"type": "websocket", "scheme": scheme, "headers": headers}


@pytest.mark.parametrize("allowed_hosts", [["chat.example.com"], ["*"]])
@pytest.mark.parametrize("origin, ok", [
    ("https://chat.example.com", True),
    ("https://chat.example.com:443", True),
    ("http://chat.example.com", False),  # scheme differs
    ("https://chat.example.com:8443", False),  # port differs
    ("https://evil.example", False),
    ("https://chat.example.com.evil.example", False),
    ("null", False),
    ("", False),
])
def test_origin_must_match_scheme_host_and_port_even_under_allowed_hosts_star(settings, allowed_hosts, origin, ok):
    settings.ALLOWED_HOSTS, settings.CSRF_TRUSTED_ORIGINS = allowed_hosts, []
    assert origin_allowed(scope(origin)) is ok


def test_a_trusted_origin_and_a_host_outside_allowed_hosts(settings):
    settings.ALLOWED_HOSTS, settings.CSRF_TRUSTED_ORIGINS = ["chat.example.com"], ["https://console.example.com"]
    assert origin_allowed(scope("https://console.example.com"))
    assert not origin_allowed(scope("https://other.example.com", host="other.example.com"))


async def test_a_foreign_origin_under_allowed_hosts_star_is_refused_in_the_handshake(alice, settings):
    settings.ALLOWED_HOSTS = ["*"]
    cookie = await db(session_cookie)(alice)
    assert (await Console(cookie, origin="http://evil.example").open())[0] is False
    assert (await Console(cookie, origin="https://127.0.0.1:8000").open())[0] is False
    console = Console(cookie, origin="http://127.0.0.1:8000")
    assert (await console.open())[0] is True
    await console.close()


# --- hostile frames on the console socket --------------------------------------

from hypothesis import HealthCheck, given  # noqa: E402
from hypothesis import settings as hsettings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@pytest.mark.parametrize("raw", [
    "[" * 20000 + "]" * 20000,
    '{"type": "viewer", "conversation_id": 1, "state": "join", "channel": "x", "name": "spoof"}',
    '{"type": "open", "conversation_id": 1e400}',
    '{"type": "open", "conversation_id": "99999999999999999999999"}',
    '{"type": "command", "command": "read", "conversation_id": "1", "seq": 2147483648}',
    '{"type": "command", "command": "reply", "conversation_id": "1", "text": "nul \\u0000"}',
    '{"type": "command", "command": "reply", "conversation_id": "1", "text": "lone \\ud800"}',
    '{"type": "command", "command": ["reply"], "conversation_id": "1"}',
    '{"type": "hello", "conversations": {"1": 1e400}}',
    '"just a string"',
])
async def test_a_malformed_console_frame_gets_4400_never_a_crash(alice, raw):
    conversation = await assigned_to(alice)
    console = await signed_in(alice)
    await console.comm.send_to(text_data=raw.replace('"1"', f'"{conversation.pk}"'))
    assert (await console.expect("error"))["code"] == "bad_frame"
    assert await console.recv() == {"type": "__closed__", "code": 4400}
    assert [m.text for m in await db(list)(conversation.messages.all())] == ["help"]


CONSOLE_FRAMES = st.fixed_dictionaries(
    {"type": st.sampled_from(["open", "leave", "typing", "command", "status", "hello"])},
    optional={
        "command": st.sampled_from(["take_over", "reply", "note", "read", "transfer", "close"]) | st.text(max_size=5),
        "conversation_id": st.integers() | st.text(max_size=25) | st.floats() | st.none(),
        "text": st.text(max_size=30) | st.integers(), "seq": st.integers() | st.floats() | st.text(max_size=5),
        "agent_id": st.integers() | st.text(max_size=5), "status": st.text(max_size=8),
        "conversations": st.dictionaries(st.text(max_size=5), st.integers() | st.floats(), max_size=3) | st.integers(),
    },
)


@hsettings(max_examples=40, deadline=None, derandomize=True, database=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(frame=CONSOLE_FRAMES)
async def test_fuzzed_console_frames_never_crash_the_console(alice, frame):
    import json

    console = await signed_in(alice)
    await console.comm.send_to(text_data=json.dumps(frame))
    await console.send({"type": "ping", "ts": 1})
    while True:
        answer = await console.recv(timeout=5)
        assert answer.get("code") != "server_error", (frame, answer)
        if answer["type"] == "__closed__":
            assert answer["code"] == 4400, (frame, answer)
            return
        if answer["type"] == "pong":
            await console.close()
            return
