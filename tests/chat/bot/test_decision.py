"""Decision tables: what the bot does with each kind of message."""

import pytest

from chat.bot.calibration import Calibration
from chat.bot.decision import (
    Decision,
    after_llm_failure,
    decide,
    detect_language,
    is_greeting,
    is_handoff_request,
    is_thanks,
    next_miss_count,
)
from chat.bot.hybrid import Ranking
from chat.bot.retrieval import Article, Hit

T = Calibration(answer_score=1.6, answer_margin=0.06, suggest_score=1.2, positives=40, covered=20)
HITS = [
    Hit(article_id="returns-zh", score=1.9, title="退货流程"),
    Hit(article_id="refund-request-zh", score=1.85, title="如何申请退款"),
    Hit(article_id="exchanges-zh", score=1.4, title="换货"),  # over SUGGESTION_GAP behind the first
]
EN_HITS = [
    Hit(article_id="returns-en", score=1.9, title="Returning an item"),
    Hit(article_id="refund-request-en", score=1.85, title="How to request a refund"),
]
ARTICLES = {
    "returns-zh": Article(id="returns-zh", title="退货流程", questions=["怎么退货"], answer="签收后7天内可无理由退货。", tags=[]),
    "returns-en": Article(id="returns-en", title="Returning an item", questions=["How do I return?"], answer="Return within 7 days.", tags=[]),
}
HIGH = (1.9, 0.15)  # (score, lead): both floors cleared
WEAK = (1.9, 0.02)  # a high score, but a near-tie with the runner-up
LOW = (1.3, 0.2)  # a clear lead, but a score under the answer floor
NONE = (0.0, 0.0)


def ranking(hits, conf):
    score, margin = conf
    return Ranking(hits=tuple(hits), score=score, margin=margin, language="zh")


def run(text, *, hits=HITS, conf=HIGH, llm=False, misses=0):
    return decide(
        text=text, ranking=ranking(hits, conf), calibration=T, llm_configured=llm,
        consecutive_misses=misses, articles=ARTICLES,
    )


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("你好", "zh"),
        ("我的订单到哪了", "zh"),
        ("WeChat Pay可以吗", "zh"),
        ("我的order到哪了", "zh"),
        ("Where is my order?", "en"),
        ("hi", "en"),
        ("Can I use 微信支付 to pay for my order?", "en"),
        ("ＨＥＬＬＯ", "en"),
        ("123456", "zh"),
        ("", "zh"),
        ("？？？", "zh"),
    ],
)
def test_detect_language(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("人工", True),
        ("转人工", True),
        ("转人工！！", True),
        ("人工客服", True),
        ("我要人工服务", True),
        ("找客服", True),
        ("联系客服", True),
        ("客服", True),
        ("客服呢？", True),
        ("客服在吗", True),
        ("有没有真人", True),
        ("我要找真人聊", True),
        ("你好，转人工", True),
        ("human", True),
        ("Agent please", True),
        ("I want to talk to a human", True),
        ("Can I speak to a real person?", True),
        ("connect me with an agent", True),
        ("get me a representative", True),
        ("let me talk to someone", True),
        ("is there a human i can speak with", True),
        ("I'd like to speak to a representative now", True),
        ("operator", True),
        ("put me through to customer service", True),
        ("Is there a live agent?", True),
        # Not requests for a person:
        ("客服几点上班", False),
        ("客服电话是多少号", False),
        ("你是人工智能吗", False),
        ("怎么申请退款", False),
        ("Are your agents' hours the same on Sunday?", False),
        ("my travel agent booked it", False),
        ("When is customer service available?", False),
        ("人工客服几点上班", False),
        ("do your agents speak english", False),
        ("How do I return an item?", False),
        ("Is this product made for humans or pets?", False),
        ("I want to return it", False),
    ],
)
def test_is_handoff_request(text, expected):
    assert is_handoff_request(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好", True), ("您好！", True), ("在吗", True), ("在吗？？", True), ("有人吗", True),
        ("客服你好", True), ("哈喽", True), ("早上好呀", True),
        ("hi", True), ("Hello!", True), ("hey there", True), ("Good morning", True),
        ("hi team", True), ("Hello, anyone there?", True),
        ("你好，我想退货", False), ("hello, where is my order", False), ("Hi, I need a refund", False),
        ("谢谢", False), ("退货", False), ("", False),
    ],
)
def test_is_greeting(text, expected):
    assert is_greeting(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("谢谢", True), ("谢谢你！", True), ("好的，谢谢", True), ("非常感谢", True), ("多谢啦", True),
        ("明白了，谢谢", True), ("辛苦了", True),
        ("thanks", True), ("Thank you!", True), ("thx", True), ("ok thanks a lot", True),
        ("Great, thank you so much", True), ("got it, thanks", True),
        ("谢谢，还想问下退款多久到", False), ("thanks, but where is my parcel?", False), ("你好", False),
    ],
)
def test_is_thanks(text, expected):
    assert is_thanks(text) is expected


@pytest.mark.parametrize(
    ("text", "hits", "conf", "llm", "misses", "kind", "reason", "language"),
    [
        # Small talk comes before retrieval, whatever the hits say.
        ("你好", HITS, HIGH, False, 0, "greeting", None, "zh"),
        ("在吗", HITS, NONE, True, 1, "greeting", None, "zh"),
        ("Hello!", EN_HITS, NONE, False, 0, "greeting", None, "en"),
        ("谢谢", HITS, NONE, False, 0, "thanks", None, "zh"),
        ("thanks a lot", EN_HITS, HIGH, True, 1, "thanks", None, "en"),
        # An explicit request for a person always wins.
        ("转人工", HITS, HIGH, True, 0, "handoff", "customer_request", "zh"),
        ("你好，人工客服", HITS, HIGH, False, 0, "handoff", "customer_request", "zh"),
        ("I want to talk to a human about my refund", EN_HITS, HIGH, False, 0, "handoff", "customer_request", "en"),
        ("agent", EN_HITS, NONE, True, 3, "handoff", "customer_request", "en"),
        # Confident hit: answer, with or without an LLM, even after misses.
        ("怎么退货", HITS, HIGH, False, 0, "answer", None, "zh"),
        ("怎么退货", HITS, HIGH, True, 1, "answer", None, "zh"),
        ("how do I send it back", EN_HITS, HIGH, False, 5, "answer", None, "en"),
        # Weak hit with an LLM: let it answer from the articles.
        ("东西不想要了", HITS, WEAK, True, 0, "llm", None, "zh"),
        ("I don't want it", EN_HITS, WEAK, True, 1, "llm", None, "en"),
        # Weak hit without an LLM: suggest first, then hand off.
        ("东西不想要了", HITS, WEAK, False, 0, "suggest", None, "zh"),
        ("东西不想要了", HITS, LOW, False, 0, "suggest", None, "zh"),
        ("I don't want it", EN_HITS, WEAK, False, 0, "suggest", None, "en"),
        ("东西不想要了", HITS, WEAK, False, 1, "handoff", "repeated_miss", "zh"),
        ("I don't want it", EN_HITS, WEAK, False, 2, "handoff", "repeated_miss", "en"),
        # Nothing relevant: ask to rephrase, then hand off, LLM or not.
        ("今天天气怎么样", [], NONE, False, 0, "suggest", None, "zh"),
        ("今天天气怎么样", [], NONE, True, 0, "suggest", None, "zh"),
        ("what's the weather", [], NONE, True, 1, "handoff", "repeated_miss", "en"),
        ("今天天气怎么样", HITS, (1.0, 0.1), False, 1, "handoff", "repeated_miss", "zh"),
        # Complaints, fraud and account security, and a manager go to a person with their reason.
        ("我要投诉你们", HITS, HIGH, False, 0, "handoff", "complaint", "zh"),
        ("my account was hacked and someone placed orders", EN_HITS, HIGH, True, 0, "handoff", "security", "en"),
        ("我的账号被盗了", HITS, HIGH, False, 0, "handoff", "security", "zh"),
        ("let me speak to your supervisor", EN_HITS, HIGH, False, 0, "handoff", "manager", "en"),
        ("叫你们经理出来", HITS, NONE, False, 0, "handoff", "manager", "zh"),
        ("I need to speak with your manager", EN_HITS, HIGH, False, 0, "handoff", "manager", "en"),
    ],
)
def test_decide_table(text, hits, conf, llm, misses, kind, reason, language):
    decision = run(text, hits=hits, conf=conf, llm=llm, misses=misses)
    assert decision.kind == kind
    assert decision.reason == reason
    if kind != "llm":
        assert decision.text
        has_chinese = any("\u4e00" <= ch <= "\u9fff" for ch in decision.text)
        assert has_chinese is (language == "zh")


def test_answer_carries_article_and_its_text():
    decision = run("怎么退货")
    assert decision == Decision(kind="answer", article_id="returns-zh", text="签收后7天内可无理由退货。")


def test_answer_without_article_lookup_leaves_text_to_caller():
    decision = decide(text="怎么退货", ranking=ranking(HITS, HIGH), calibration=T, llm_configured=False,
                      consecutive_misses=0)
    assert decision.kind == "answer" and decision.article_id == "returns-zh" and decision.text is None


def test_suggest_lists_close_runners_up_in_customer_language():
    decision = run("东西不想要了", conf=WEAK)
    assert decision.suggestions == ("returns-zh", "refund-request-zh")  # 1.4 is too far behind 1.9
    assert "1. 退货流程" in decision.text and "2. 如何申请退款" in decision.text
    assert "人工" in decision.text


def test_a_list_holds_at_most_five_titles_and_stops_where_the_runners_up_fall_behind():
    close = [Hit(article_id=f"a{i}", score=1.9 - 0.01 * i, title=f"标题{i}") for i in range(7)]
    assert run("东西不想要了", hits=close, conf=WEAK).suggestions == ("a0", "a1", "a2", "a3", "a4")
    spread = [Hit(article_id="a0", score=1.9, title="甲"), Hit(article_id="a1", score=1.81, title="乙"),
              Hit(article_id="a2", score=1.79, title="丙"), Hit(article_id="a3", score=1.78, title="丁")]
    decision = run("东西不想要了", hits=spread, conf=WEAK)
    assert decision.suggestions == ("a0", "a1")  # 1.79 is more than 0.10 behind 1.9
    assert "1. 甲" in decision.text and "2. 乙" in decision.text and "丙" not in decision.text


def test_suggest_in_english_offers_a_person():
    decision = run("I don't want it", hits=EN_HITS, conf=WEAK)
    assert decision.suggestions == ("returns-en", "refund-request-en")
    assert "Did you mean" in decision.text and "agent" in decision.text


def test_llm_decision_names_context_articles():
    assert run("东西不想要了", conf=WEAK, llm=True).suggestions == ("returns-zh", "refund-request-zh")


@pytest.mark.parametrize("reason", ["timeout", "http_error", "bad_response", "connection"])
@pytest.mark.parametrize(("language", "marker"), [("zh", "人工"), ("en", "team")])
def test_after_llm_failure_hands_off(reason, language, marker):
    decision = after_llm_failure(reason, language=language)
    assert (decision.kind, decision.reason, decision.detail) == ("handoff", "llm_error", reason)
    assert marker in decision.text


@pytest.mark.parametrize(
    ("kind", "before", "after"),
    [("suggest", 0, 1), ("suggest", 1, 2), ("answer", 1, 0), ("llm", 1, 0),
     ("handoff", 1, 0), ("greeting", 1, 1), ("thanks", 0, 0)],
)
def test_next_miss_count(kind, before, after):
    assert next_miss_count(Decision(kind=kind), before) == after


def test_a_knowledge_base_that_cannot_vouch_for_itself_never_answers():
    never = Calibration.never()
    decision = decide(text="怎么退货", ranking=ranking(HITS, (9.0, 9.0)), calibration=never, llm_configured=False,
                      consecutive_misses=0, articles=ARTICLES)
    assert decision.kind == "suggest"


def test_decisions_are_deterministic():
    assert run("东西不想要了", conf=WEAK) == run("东西不想要了", conf=WEAK)
