"""The greeting and suggested questions of an empty chat: from the knowledge base, in the reader's language."""

import pytest
from django.test import AsyncClient

from chat.bot import welcome as bot_welcome
from chat.bot.intents import detect_language
from chat.models import Article

from .sockets import bot_message, collect, db, open_socket, say

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_memo():
    bot_welcome.reset()
    yield
    bot_welcome.reset()


async def fetch(query="", language=None):
    headers = {"Accept-Language": language} if language else {}
    response = await AsyncClient().get(f"/api/chat/welcome{query}", headers=headers)
    return response.status_code, response.json()


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_each_suggested_question_is_in_the_language_asked_and_answered_with_an_article(bot, demo_kb, language):
    status, body = await fetch(f"?lang={language}")
    assert status == 200 and body["language"] == language
    assert body["greeting"] and detect_language(body["greeting"]) == language
    questions = body["questions"]
    assert 1 <= len(questions) <= 4 and len(set(questions)) == len(questions)
    assert all(detect_language(q) == language for q in questions), questions

    answers = set(await db(lambda: list(Article.objects.values_list("answer", flat=True)))())
    _, socket = await open_socket(openid=f"o-welcome-{language}")
    for n, question in enumerate(questions):
        await say(socket, f"m{n}", question)
        frames = await collect(socket, bot_message)
        assert frames[-1]["sender"] == "bot" and frames[-1]["text"] in answers, (question, frames[-1]["text"])
    await socket.close()


async def test_the_browser_language_picks_the_questions_when_none_is_asked(bot, demo_kb):
    _, english = await fetch(language="en-GB,en;q=0.8")
    _, chinese = await fetch(language="zh-CN,zh;q=0.9,en;q=0.5")
    assert english["language"] == "en" and chinese["language"] == "zh"
    assert english["questions"] != chinese["questions"]


async def test_an_unknown_language_is_refused_and_an_empty_or_disabled_bot_still_greets(bot, settings):
    status, body = await fetch("?lang=fr")
    assert status == 400 and body["error"] == "invalid_request"
    status, body = await fetch("?lang=en")  # no articles at all
    assert status == 200 and body["questions"] == [] and body["greeting"]
    settings.CSBOT_BOT_ENABLED = False
    status, body = await fetch("?lang=zh")
    assert status == 200 and body["questions"] == [] and detect_language(body["greeting"]) == "zh"


async def test_a_question_the_bot_would_not_answer_with_its_own_article_is_not_suggested(bot):
    # Two articles share the same phrasing: asking it cannot pick one, so neither is offered.
    await db(Article.objects.bulk_create)([
        Article(slug="a", title="Opening hours", questions=["when are you open"], answer="9 to 6.", language="en"),
        Article(slug="b", title="Holiday hours", questions=["when are you open"], answer="10 to 4.", language="en"),
        Article(slug="c", title="Gift wrapping", questions=["can you gift wrap my order"],
                answer="Yes, gift wrapping costs 5 yuan.", language="en"),
    ])
    _, body = await fetch("?lang=en")
    assert "when are you open" not in body["questions"]
