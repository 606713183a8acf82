"""A question the knowledge base stores word for word is answered with its article, whatever the floors say."""

import pytest

from chat.bot.calibration import Calibration
from chat.bot.decision import decide
from chat.bot.hybrid import HybridIndex, Ranking
from chat.bot.retrieval import Article
from chat.models import Article as ArticleRow
from chat.models import BotTurn

from .sockets import bot_message, collect, db, open_socket, say

ARTICLES = [
    Article(id="refund-en", title="Refunds", questions=["How do I get a refund?", "Where is my money?"],
            answer="Refunds take 3-5 days.", tags=[], language="en"),
    Article(id="refund-zh", title="退款", questions=["我想退款"], answer="退款3-5天到账。", tags=[], language="zh"),
    Article(id="arrival-en", title="Refund arrival", questions=["Where is my money?"], answer="Banks take a week.",
            tags=[], language="en"),
    Article(id="hours", title="Service hours", questions=["When are you open?"], answer="9-21.", tags=[]),
]
INDEX = HybridIndex(ARTICLES, None)


@pytest.mark.parametrize("query,article", [
    ("How do I get a refund?", "refund-en"), ("how do i get a refund", "refund-en"), ("  HOW do I get a refund？ ", "refund-en"),
    ("refunds", "refund-en"), ("我想退款", "refund-zh"), ("我想退款！", "refund-zh"), ("When are you open", "hours"),
])
def test_a_stored_phrasing_finds_its_article_case_width_and_punctuation_aside(query, article):
    language = "zh" if any("\u4e00" <= c <= "\u9fff" for c in query) else "en"
    assert INDEX.storing(query, language=language).id == article


@pytest.mark.parametrize("query,language", [
    ("Where is my money?", "en"),  # two articles store it: the ranking decides, not the phrasing
    ("How do I get a refund now?", "en"),  # not word for word
    ("我想退款", "en"),  # another language's article
    ("", "en"), ("?!", "en"),
])
def test_no_article_or_two_articles_storing_it_is_no_match(query, language):
    assert INDEX.storing(query, language=language) is None


CALIBRATION = Calibration(answer_score=1.6, answer_margin=0.06, suggest_score=1.2, positives=40, covered=20)
NEAR_TIE = Ranking(hits=(), score=1.9, margin=0.01, language="en")


def test_the_stored_article_is_answered_even_where_the_floors_would_offer_a_list():
    articles = {a.id: a for a in ARTICLES}
    plain = decide(text="How do I get a refund?", ranking=NEAR_TIE, calibration=CALIBRATION, llm_configured=False,
                   consecutive_misses=1, articles=articles, language="en")
    assert plain.kind == "handoff"  # a second miss in a row
    stored = decide(text="How do I get a refund?", ranking=NEAR_TIE, calibration=CALIBRATION, llm_configured=False,
                    consecutive_misses=1, articles=articles, language="en", stored="refund-en")
    assert (stored.kind, stored.article_id, stored.text) == ("answer", "refund-en", "Refunds take 3-5 days.")


@pytest.mark.parametrize("text,kind", [("转人工", "handoff"), ("I want to speak to a human", "handoff"),
                                       ("你好", "greeting"), ("thanks", "thanks")])
def test_a_request_for_a_person_a_greeting_or_thanks_still_come_first(text, kind):
    articles = {a.id: a for a in ARTICLES}
    decision = decide(text=text, ranking=NEAR_TIE, calibration=CALIBRATION, llm_configured=False,
                      consecutive_misses=0, articles=articles, stored="refund-en")
    assert decision.kind == kind


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("text,article", [
    ("How do I get a refund?", "refund-request-en"),  # near its neighbours: the floors offered a list
    ("how do i get a refund", "refund-request-en"),
    ("我想退款 订单号202612030001", "refund-request-zh"),
])
async def test_over_the_socket_a_stored_question_is_answered(bot, demo_kb, text, article):
    _, socket = await open_socket(openid=f"o-stored-{len(text)}-{text[:3]}")
    await say(socket, "m1", text)
    reply = (await collect(socket, bot_message, timeout=15))[-1]
    turn = await db(lambda: BotTurn.objects.get())()
    assert (turn.outcome, turn.article) == ("answer", article)
    answer = await db(lambda: ArticleRow.objects.get(slug=article).answer)()
    assert reply["text"] == answer
    await socket.close()


@pytest.mark.parametrize("query,article", [
    ("你好，请问我想退款，谢谢", "refund-zh"), ("亲，在吗？我想退款啊", "refund-zh"),
    ("Hi there, how do I get a refund? Thanks!", "refund-en"), ("sorry, when are you open please", "hours"),
])
def test_greetings_and_thanks_around_a_stored_question_do_not_hide_it(query, article):
    language = "zh" if any("\u4e00" <= c <= "\u9fff" for c in query) else "en"
    assert INDEX.storing(query, language=language).id == article


@pytest.mark.parametrize("query", ["你好", "hi there", "谢谢", "thanks!", "请问"])
def test_courtesy_alone_matches_no_article(query):
    assert INDEX.storing(query, language="en") is None and INDEX.storing(query, language="zh") is None


def test_a_long_text_is_read_in_linear_time():
    # The tail pattern, searched over a whole text, would retry from every position: seconds at this length.
    from chat.bot.intents import without_courtesy

    assert without_courtesy("啊" * 20000 + "x") == "啊" * 20000 + "x"
    assert without_courtesy("你好 " * 10000 + "怎么退款 谢谢") == "怎么退款"
