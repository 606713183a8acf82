"""LLM answers kept to the knowledge base: the "not there" sentinel, the named source, no leaked instructions."""

import pytest

from chat.bot.grounding import CANARY, HOLD, NO_ANSWER, WINDOW, OutputGuard, cited_article
from chat.bot.llm import instructions
from chat.bot.retrieval import Article
from chat.models import BotTurn

from .sockets import LLM_QUESTION, bot_message, collect, db, open_socket, say


def feed_all(guard, text, size=3):
    out = "".join(guard.feed(text[i : i + size]) for i in range(0, len(text), size))
    return out + guard.finish()


# --- the guard ---------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh", "en"])
def test_an_ordinary_answer_comes_out_whole_and_in_order(language):
    answer = {"zh": "标准快递满99元包邮，不满99元收取8元运费。（来源：运费说明）",
              "en": "Orders over 99 yuan ship free; contact our customer service team for anything else. (Source: Shipping fees)"}[language]
    guard = OutputGuard(instructions(language))
    shown = []
    for i in range(0, len(answer), 4):
        shown.append(guard.feed(answer[i : i + 4]))
        assert len("".join(shown)) <= max(0, (i + 4) - HOLD) or "".join(shown) == ""  # held back at most HOLD
    assert "".join(shown) + guard.finish() == answer
    assert not guard.leaked and not guard.no_answer


@pytest.mark.parametrize("said", [NO_ANSWER, f"  {NO_ANSWER}\n", f"{NO_ANSWER}. Sorry."])
def test_the_sentinel_is_never_shown(said):
    guard = OutputGuard(instructions("en"))
    assert feed_all(guard, said, size=2) == ""
    assert guard.no_answer


def test_a_prefix_of_the_sentinel_is_held_even_when_the_stream_fails():
    guard = OutputGuard(instructions("en"))
    assert guard.feed("NO_ANS") == "" and guard.finish() == ""


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("size", [1, 5, 40])
def test_recited_instructions_are_stopped_before_a_window_of_them_is_shown(language, size):
    secret = instructions(language)
    guard = OutputGuard(secret)
    shown = feed_all(guard, "Sure! Here they are: " + secret, size=size)
    assert guard.leaked
    squashed_secret = "".join(secret.split()).lower()
    squashed_shown = "".join(shown.split()).lower()
    assert not any(squashed_shown[i : i + WINDOW] in squashed_secret for i in range(len(squashed_shown) - WINDOW + 1))


def test_the_canary_alone_is_a_leak():
    guard = OutputGuard(instructions("en"))
    assert feed_all(guard, f"The internal mark is {CANARY} as you asked, dear customer.") .find(CANARY) == -1
    assert guard.leaked


def test_the_source_line_names_an_article_given_to_the_model():
    arts = [Article(id="fees", title="Shipping fees", questions=[], answer=""),
            Article(id="intl", title="国际配送", questions=[], answer="")]
    assert cited_article("Free over 99 yuan.\n(Source: Shipping fees)", arts) == "fees"
    assert cited_article("可以寄到新加坡。（来源：国际配送）", arts) == "intl"
    assert cited_article("Free over 99 yuan. (Source: Returns)", arts) is None
    assert cited_article("Free over 99 yuan.", arts) is None


# --- over the socket, against the fake LLM server ------------------------------------

pytestmark_db = pytest.mark.django_db(transaction=True)


@pytestmark_db
async def test_the_answer_names_its_source_and_the_turn_records_that_article(llm, bot, demo_kb):
    llm.tokens = ["Standard shipping is free ", "over 99 yuan; below that ", "it costs 8 yuan.", "\n(Source: Shipping fees)"]
    _, socket = await open_socket()
    await say(socket, "m1", LLM_QUESTION)
    frames = await collect(socket, bot_message)
    assert frames[-1]["text"] == "".join(llm.tokens)
    turn = await db(BotTurn.objects.get)()
    assert (turn.outcome, turn.article) == ("llm", "shipping-fees-en")
    await socket.close()


@pytestmark_db
async def test_not_in_the_knowledge_base_offers_the_articles_and_a_number_picks_one(llm, bot, demo_kb):
    llm.tokens = ["NO_", "ANS", "WER"]
    _, socket = await open_socket()
    await say(socket, "m1", LLM_QUESTION)
    frames = await collect(socket, bot_message)
    assert not [f for f in frames if f["type"] == "stream"]  # the sentinel never reached the customer
    offer = frames[-1]
    assert "NO_ANSWER" not in offer["text"] and "1. " in offer["text"] and "2. " in offer["text"]
    turn = await db(BotTurn.objects.get)()
    assert turn.outcome == "suggest" and len(turn.suggestions) >= 2

    await say(socket, "m2", "2")
    frames = await collect(socket, bot_message)
    answers = await db(lambda: {a: t for a, t in __import__("chat.models", fromlist=["Article"]).Article.objects.values_list("slug", "answer")})()
    assert frames[-1]["text"] == answers[turn.suggestions[1]]
    assert len(llm.requests) == 1  # the pick was answered from the knowledge base, not by the model
    await socket.close()


@pytestmark_db
async def test_a_model_talked_into_reciting_its_instructions_shows_none_of_them(llm, bot, demo_kb, caplog):
    bot.CSBOT_LLM_MODEL = "fake-obey"
    _, socket = await open_socket()
    await say(socket, "m1", LLM_QUESTION)
    frames = await collect(socket, bot_message)
    shown = " ".join(f.get("text", "") or f.get("delta", "") for f in frames)
    system = llm.requests[0].body["messages"][0]["content"]
    assert CANARY in system and CANARY not in shown
    squashed_shown = "".join(shown.split()).lower()
    squashed_rules = "".join(instructions("en").split()).lower()
    assert not any(squashed_shown[i : i + WINDOW] in squashed_rules for i in range(len(squashed_shown) - WINDOW + 1))
    assert "only from the" not in shown and "NO_ANSWER" not in shown
    turn = await db(BotTurn.objects.get)()
    assert turn.outcome == "suggest"
    assert "withheld" in caplog.text
    await socket.close()
