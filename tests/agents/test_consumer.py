"""The agent socket through WebsocketCommunicator: who gets in, live lists, commands and resume."""

import pytest
from channels.db import database_sync_to_async

from chat import actions
from chat.models import Conversation, Message
from tests.chat.helpers import Socket, token_for

from .helpers import customer_conversation, make_user, queued_conversation
from .sockets import Console, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


@pytest.fixture
def agent():
    return make_user("alice", role="Agents", capacity=2)


async def signed_in(user, language=None, **kwargs):
    console = Console(await db(session_cookie)(user), language=language, **kwargs)
    connected, _ = await console.open()
    assert connected
    return console


async def test_foreign_origin_is_refused_before_the_handshake(agent):
    cookie = await db(session_cookie)(agent)
    for origin in ("https://evil.example", None):
        connected, code = await Console(cookie, origin=origin).open()
        assert connected is False


async def test_anonymous_gets_4401_and_non_staff_or_outsider_4403():
    console = Console()
    assert (await console.open())[0]
    assert (await console.recv())["code"] == "unauthorized"
    assert await console.recv() == {"type": "__closed__", "code": 4401}
    customer_user = await db(make_user)("bob", staff=False)
    outsider = await db(make_user)("carol", staff=True)
    for user in (customer_user, outsider):
        console = await signed_in(user)
        assert (await console.recv())["code"] == "forbidden"
        assert await console.recv() == {"type": "__closed__", "code": 4403}


async def test_hello_lists_the_queue_and_assignment_is_announced(agent):
    waiting = await db(queued_conversation)()
    console = await signed_in(agent)
    welcome, frames = await console.hello()
    assert welcome["me"]["name"] == "alice"
    # Coming online runs assignment: the waiting chat is announced to the agent.
    # The process's assignment round may run as soon as hello marks the agent
    # online, so the announcement can come before `synced` as well as after it;
    # on a busy machine the round can take a while, hence the longer wait.
    assigned, mine = None, None
    for _ in range(20):  # a bounded number of frames
        frame = frames.pop(0) if frames else await console.recv(timeout=10)
        if frame["type"] == "assigned":
            assigned = frame
        elif frame["type"] == "lists":
            mine = [row["id"] for row in frame["mine"]] if not frame["queue"] else None
        if assigned is not None and mine == [str(waiting.pk)]:
            break
    assert assigned is not None and assigned["conversation"]["id"] == str(waiting.pk)
    assert mine == [str(waiting.pk)]  # the lists show it as the agent's, with nobody left waiting
    await console.close()


async def test_take_over_reply_note_and_close_reach_the_right_people(agent):
    conversation = await db(customer_conversation)("where is my parcel")
    customer_socket = Socket(await db(lambda: token_for(conversation.customer))())
    await customer_socket.open()
    await customer_socket.hello()
    console = await signed_in(agent)
    await console.hello(status="away")
    await console.send({"type": "open", "conversation_id": str(conversation.pk)})
    transcript = await console.expect("transcript")
    assert [e["text"] for e in transcript["entries"]] == ["where is my parcel"]
    assert transcript["customer"]["openid"].count("…") == 1

    assert (await console.command("take_over", conversation.pk))["type"] == "done"
    assert (await customer_socket.expect("status"))["agent_name"] == "alice"
    await console.command("reply", conversation.pk, text="On its way!")
    reply = await customer_socket.expect("message")
    assert reply["sender"] == "agent" and reply["text"] == "On its way!"
    await console.expect("message", seq=2)
    await console.command("note", conversation.pk, text="VIP customer")
    note = await console.expect("note")
    assert note["text"] == "VIP customer" and note["seq"] is None
    await customer_socket.send({"type": "typing"})
    assert (await console.expect("typing"))["sender"] == "customer"
    await console.command("close", conversation.pk)
    assert (await customer_socket.expect("status"))["status"] == "closed"
    await customer_socket.nothing()  # the note never reached the customer
    await customer_socket.send({"type": "rate", "score": 5})
    assert (await console.expect("rated"))["score"] == 5
    await customer_socket.close()
    await console.close()


async def test_only_the_assignee_can_reply_and_others_see_viewers(agent):
    bob = await db(make_user)("bob", role="Agents")
    conversation = await db(queued_conversation)()
    await db(actions.take_over)(conversation=conversation, agent=agent, agent_name="alice")
    alice_console, bob_console = await signed_in(agent), await signed_in(bob)
    await alice_console.hello(status="away")
    await bob_console.hello(status="away")
    await alice_console.send({"type": "open", "conversation_id": str(conversation.pk)})
    await alice_console.expect("transcript")
    await bob_console.send({"type": "open", "conversation_id": str(conversation.pk)})
    assert (await bob_console.expect("viewers"))["viewers"] == ["alice"]
    assert (await alice_console.expect("viewers"))["viewers"] == ["bob"]
    refused = await bob_console.command("reply", conversation.pk, text="me too")
    assert refused["type"] == "error" and refused["code"] == "not_assigned"
    refused = await bob_console.command("close", conversation.pk)
    assert refused["code"] == "forbidden"
    await alice_console.command("transfer", conversation.pk, agent_id=bob.pk)
    assigned = await bob_console.expect("assigned")
    assert assigned["conversation"]["id"] == str(conversation.pk)
    assert (await db(Conversation.objects.get)(pk=conversation.pk)).assigned_agent_id == bob.pk
    await alice_console.close()
    await bob_console.close()


async def test_reconnect_resumes_each_conversation_from_its_seq(agent):
    conversation = await db(queued_conversation)()
    await db(actions.take_over)(conversation=conversation, agent=agent, agent_name="alice")
    for i in range(3):
        await db(actions.record_customer_message)(customer=conversation.customer_id, client_msg_id=f"later-{i}", text=f"more {i}")
    console = await signed_in(agent)
    _, frames = await console.hello(status="away", conversations={str(conversation.pk): 1})
    assert [f["seq"] for f in frames if f["type"] == "message"] == [2, 3, 4]
    await console.close()


async def test_a_malformed_frame_closes_with_4400(agent):
    console = await signed_in(agent)
    await console.comm.send_to(text_data="{nope")
    assert (await console.expect("error"))["code"] == "bad_frame"
    assert await console.recv() == {"type": "__closed__", "code": 4400}


async def test_lost_wake_up_is_repaired_on_refresh(agent):
    conversation = await db(queued_conversation)()
    await db(actions.take_over)(conversation=conversation, agent=agent, agent_name="alice")
    console = await signed_in(agent)
    await console.hello(status="away")
    # Stored without any wake-up reaching the console, as when the channel layer drops one.
    from chat import realtime

    await db(realtime.collecting(actions.post_system_message))(conversation=conversation, text="silent")
    await console.command("read", conversation.pk, seq=1)  # any command refreshes the lists
    repaired = await console.expect("message", text="silent")
    assert repaired["seq"] == (await db(Message.objects.filter(conversation=conversation).count)())


async def test_a_command_with_nothing_selected_gets_a_sentence_in_the_agents_language_not_a_python_error(agent):
    chinese = await signed_in(agent)  # no Accept-Language: the site's default, Chinese
    await chinese.hello(status="away")
    await chinese.send({"type": "command", "command": "take_over", "conversation_id": None, "ref": "r1"})
    assert await chinese.expect("error") == {"type": "error", "code": "no_conversation", "message": "请先选择一个会话。", "ref": "r1"}
    await chinese.send({"type": "ping", "ts": 1})
    assert (await chinese.expect("pong"))["ts"] == 1  # still open
    english = await signed_in(agent, language="en-US,en;q=0.9")
    await english.hello(status="away")
    await english.send({"type": "command", "command": "take_over", "ref": "r2"})
    assert (await english.expect("error"))["message"] == "Choose a conversation first."
    await chinese.close()
    await english.close()


async def test_the_profile_language_wins_over_the_browser(agent):
    from agents.models import AgentProfile

    await db(AgentProfile.objects.filter(user=agent).update)(language="en")
    console = await signed_in(agent, language="zh-CN")
    await console.hello(status="away")
    await console.send({"type": "command", "command": "close", "ref": "r1"})
    assert (await console.expect("error"))["message"] == "Choose a conversation first."
    await console.close()
