"""The bot answering over the customer socket: knowledge-base replies, misses, handoffs."""

import pytest

from chat.bot.knowledge import demo_articles
from chat.models import BotTurn, Conversation, ConversationEvent

from .sockets import QUESTION, bot_message, bot_rows, collect, db, open_socket, say, turn_states

pytestmark = pytest.mark.django_db(transaction=True)


async def test_customer_message_gets_a_knowledge_base_answer(bot, demo_kb):
    _, socket = await open_socket()
    await say(socket, "m1", QUESTION)
    frames = await collect(socket, bot_message)
    kinds = [f["type"] for f in frames]
    # Decided and stored at once by the process that stored the question: no typing indicator first.
    assert kinds.index("ack") < kinds.index("message") and "typing" not in kinds
    reply = frames[-1]
    answer = next(a.answer for a in demo_articles() if a.id == "refund-request-en")
    assert (reply["sender"], reply["seq"], reply["text"]) == ("bot", 2, answer)
    assert "stream_id" not in reply  # a knowledge-base answer is instant: no stream
    await socket.nothing(0.5)
    assert await turn_states() == [("done", "answer")]
    await socket.close()


async def test_greeting_is_answered_in_the_customers_language(bot, demo_kb):
    _, socket = await open_socket()
    await say(socket, "m1", "你好")
    reply = (await collect(socket, bot_message))[-1]
    assert reply["text"].startswith("您好")
    await say(socket, "m2", "hello there")
    reply = (await collect(socket, bot_message))[-1]
    assert reply["text"].startswith("Hello")
    await socket.close()


async def test_second_miss_in_a_row_hands_off_with_a_notice_first(bot, demo_kb):
    _, socket = await open_socket()
    await say(socket, "m1", "What is the meaning of life?")
    first = (await collect(socket, bot_message))[-1]
    assert "rephrase" in first["text"]
    await say(socket, "m2", "Tell me about quantum gravity")
    frames = await collect(socket, lambda f: f["type"] == "status" and f["status"] == "queued")
    notice = next(f for f in frames if bot_message(f))
    assert "connecting you" in notice["text"]
    assert frames.index(notice) < len(frames) - 1  # the notice comes before the status change
    conversation = await db(Conversation.objects.get)()
    event = await db(lambda: ConversationEvent.objects.filter(kind="handoff_requested").get())()
    assert conversation.status == "queued" and event.data["reason"] == "repeated_miss" and event.actor == "bot"
    assert await turn_states() == [("done", "suggest"), ("done", "handoff")]
    await socket.close()


async def test_asking_for_a_person_hands_off_at_once(bot, demo_kb):
    _, socket = await open_socket()
    await say(socket, "m1", "转人工")
    frames = await collect(socket, lambda f: f["type"] == "status" and f["status"] == "queued")
    assert any(bot_message(f) and "人工" in f["text"] for f in frames)
    event = await db(lambda: ConversationEvent.objects.filter(kind="handoff_requested").get())()
    assert event.data["reason"] == "customer_request"
    # Queued now: the next message gets no turn and no bot answer.
    await say(socket, "m2", QUESTION)
    await collect(socket, lambda f: f["type"] == "ack")
    await socket.nothing(1.0)
    assert await db(BotTurn.objects.count)() == 1 and len(await bot_rows()) == 1
    await socket.close()


async def test_two_customers_are_answered_concurrently(bot, demo_kb):
    sockets = [(await open_socket(f"o-{n}"))[1] for n in range(3)]
    for n, socket in enumerate(sockets):
        await say(socket, f"m{n}", QUESTION)
    for socket in sockets:
        assert (await collect(socket, bot_message))[-1]["sender"] == "bot"
        await socket.close()


@pytest.mark.parametrize("path", ["slow direct answer", "runner"])
async def test_an_answer_that_takes_a_while_is_preceded_by_the_typing_indicator(bot, demo_kb, monkeypatch, path):
    from chat.bot import direct

    if path == "runner":
        bot.CSBOT_BOT_DIRECT = False  # the runner's path always says it is typing: an LLM may stream for seconds
    else:
        monkeypatch.setattr(direct, "TYPING_AFTER_S", 0.0)  # any decision counts as slow
    _, socket = await open_socket()
    await say(socket, "m1", QUESTION)
    frames = await collect(socket, bot_message)
    kinds = [f["type"] for f in frames]
    assert kinds.index("ack") < kinds.index("typing") < kinds.index("message")
    assert {"type": "typing", "sender": "bot"} in frames
    await socket.close()
