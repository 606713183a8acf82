"""A conversation over the real socket: numbered picks from a "did you mean" list, and follow-ups."""

import pytest

from chat.models import Article, BotTurn

from .sockets import bot_message, collect, db, open_socket, say

pytestmark = pytest.mark.django_db(transaction=True)


async def answers():
    return await db(lambda: dict(Article.objects.values_list("slug", "answer")))()


async def ask(socket, n, text):
    await say(socket, f"m{n}", text)
    frames = await collect(socket, bot_message, timeout=15)
    return frames[-1]


@pytest.mark.parametrize("question,reply,index", [
    ("退款", "2", 1), ("退款", "第二个", 1), ("快递", "第一个", 0), ("refund", "the second one", 1), ("shipping", "3", 2),
    ("快递", "第四个", 3), ("order", "the fifth one", 4),
])
async def test_a_reply_to_the_numbered_list_picks_that_article(bot, demo_kb, question, reply, index):
    _, socket = await open_socket(openid=f"o-pick-{question}-{index}")
    offer = await ask(socket, 1, question)
    assert "1. " in offer["text"] and "2. " in offer["text"]
    turn = await db(lambda: BotTurn.objects.order_by("-id").first())()
    assert turn.outcome == "suggest"
    picked = await ask(socket, 2, reply)
    assert picked["sender"] == "bot" and picked["text"] == (await answers())[turn.suggestions[index]]
    latest = await db(lambda: BotTurn.objects.order_by("-id").first())()
    assert (latest.outcome, latest.article) == ("answer", turn.suggestions[index])
    await socket.close()


async def test_a_number_with_no_list_before_it_is_not_a_pick_and_not_a_handoff(bot, demo_kb):
    _, socket = await open_socket(openid="o-no-list")
    reply = await ask(socket, 1, "2")
    assert reply["sender"] == "bot"
    turn = await db(lambda: BotTurn.objects.get())()
    assert turn.outcome != "handoff" and turn.article == ""
    await socket.close()


@pytest.mark.parametrize("first,follow_up,article", [
    ("发票", "电子的呢", "invoices-zh"), ("保修", "多久", "warranty-zh"), ("warranty", "how long is it", "warranty-en"),
])
async def test_a_follow_up_is_read_with_the_previous_question(bot, demo_kb, first, follow_up, article):
    _, socket = await open_socket(openid=f"o-follow-{first}")
    await ask(socket, 1, first)
    reply = await ask(socket, 2, follow_up)
    assert reply["text"] == (await answers())[article]
    await socket.close()


async def test_the_same_words_alone_are_not_answered_with_that_article(bot, demo_kb):
    # Without the previous topic, "how long is it" is ambiguous: the bot offers choices rather than guess.
    _, socket = await open_socket(openid="o-alone")
    reply = await ask(socket, 1, "how long is it")
    turn = await db(lambda: BotTurn.objects.get())()
    assert turn.outcome == "suggest" and reply["text"] != (await answers())["warranty-en"]
    await socket.close()


@pytest.mark.parametrize("text,article", [
    ("怎么重置密码 订单号000190000", "password-reset-zh"),
    ("订单号：202612030001，怎么重置密码", "password-reset-zh"),
    ("Change my login password, order #001580001", "password-reset-en"),
])
async def test_a_question_that_quotes_an_order_number_is_answered_as_without_it(bot, demo_kb, text, article):
    # The number pulled the ranking below the answer floor; the customer's message keeps it.
    _, socket = await open_socket(openid=f"o-ref-{len(text)}")
    reply = await ask(socket, 1, text)
    assert reply["text"] == (await answers())[article]
    turn = await db(lambda: BotTurn.objects.select_related("message").get())()
    assert (turn.outcome, turn.article, turn.message.text) == ("answer", article, text)
    await socket.close()
