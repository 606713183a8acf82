"""Decision floors calibrated from a knowledge base itself, on a small generated base and the real encoder."""

import numpy as np
import pytest

from chat.bot import embedding
from chat.bot.calibration import METHOD, NEVER, SAFETY, Calibration, Sample, choose, out_of_scope_questions
from chat.bot.decision import decide
from chat.bot.intents import detect_language
from chat.bot.retrieval import Article
from chat.bot.vectors import calibrated, prepare

# A small generated shop: each topic gets a title, an answer and phrasings from templates.
TOPICS = [
    ("refund", "Refunds", "Refunds reach your original payment method within 3 business days.",
     ["refund", "money back", "a refund for my order"]),
    ("shipping-fee", "Shipping fees", "Shipping is free over 99 yuan; below that it costs 8 yuan.",
     ["shipping fee", "delivery cost", "postage"]),
    ("invoice", "Invoices", "Request an invoice from the order page within 30 days of delivery.",
     ["invoice", "a receipt for tax", "a VAT invoice"]),
    ("address", "Changing the address", "You can change the delivery address until the parcel ships.",
     ["change my address", "a different delivery address", "update where it ships"]),
    ("password", "Resetting a password", "Tap Forgot password on the sign-in page to get a reset code by SMS.",
     ["reset my password", "forgot my password", "can't log in with my password"]),
    ("size", "Exchanging a size", "Exchange a size within 7 days; we send the new size when the old one arrives.",
     ["exchange a size", "a bigger size", "swap for a smaller size"]),
    ("coupon", "Using coupons", "Coupons apply at checkout; one coupon per order, not with member prices.",
     ["use a coupon", "a discount code", "apply my voucher"]),
    ("gift-wrap", "Gift wrapping", "Gift wrapping costs 5 yuan and includes a card with your message.",
     ["gift wrap", "wrap it as a present", "a gift box"]),
]
TEMPLATES = ["how do I get {}", "question about {}", "I need help with {}"]


def generated_base() -> list[Article]:
    return [
        Article(id=slug, title=title, answer=answer, language="en",
                questions=[template.format(phrase) for phrase, template in zip(phrases, TEMPLATES)])
        for slug, title, answer, phrases in TOPICS
    ]


@pytest.fixture(scope="module")
def prepared():
    encoder = embedding.encoder()
    assert encoder is not None, "the tests run with the bundled encoder"
    p = prepare(generated_base(), {}, encoder)
    return p, encoder


@pytest.fixture(scope="module")
def calibration(prepared):
    p, encoder = prepared
    result, fresh = calibrated(p, encoder, None)
    return result


def test_the_floors_come_from_held_out_phrasings_and_the_built_in_negatives(calibration):
    assert calibration.answer_score < NEVER and calibration.answer_margin < NEVER
    assert 0 <= calibration.suggest_score <= calibration.answer_score
    samples = calibration.stats["samples"]
    assert samples["held-out question"] == sum(len(t[3]) for t in TOPICS)
    assert samples["out of scope"] == len(out_of_scope_questions())
    assert calibration.positives > 0 and calibration.negatives > 0
    assert calibration.encoder and calibration.fingerprint


def decision_for(text, prepared, calibration):
    p, encoder = prepared
    ranking = p.index.rank(text, encoder.queries([text])[0], language=detect_language(text))
    return decide(text=text, ranking=ranking, calibration=calibration, llm_configured=False, consecutive_misses=0,
                  articles={a.id: a for a in p.index.articles}, language="en")


def test_no_built_in_out_of_scope_question_is_answered(prepared, calibration):
    answered = [q for q in out_of_scope_questions() if decision_for(q, prepared, calibration).kind == "answer"]
    assert answered == []


@pytest.mark.parametrize("text,article", [
    ("how do I get my money back", "refund"),
    ("what does delivery cost", "shipping-fee"),
    ("I forgot my password", "password"),
])
def test_a_stored_phrasing_reworded_is_answered_with_its_article_or_offered(prepared, calibration, text, article):
    decision = decision_for(text, prepared, calibration)
    assert (decision.kind == "answer" and decision.article_id == article) or (
        decision.kind == "suggest" and article in decision.suggestions
    ), decision


def test_the_same_base_gets_the_same_floors_and_a_changed_base_new_ones(prepared, calibration):
    p, encoder = prepared
    again, _ = calibrated(prepare(generated_base(), {}, encoder), encoder, None)
    assert again.as_dict() == calibration.as_dict()
    changed = generated_base()[:-2]
    other, _ = calibrated(prepare(changed, {}, encoder), encoder, None)
    assert other.fingerprint != calibration.fingerprint


def test_a_stored_calibration_is_reused_as_it_was(prepared, calibration):
    p, encoder = prepared
    stored = Calibration.from_dict(calibration.as_dict() | {"answer_score": 0.5})
    reused, fresh = calibrated(p, encoder, stored.as_dict())
    assert not fresh and reused.answer_score == 0.5


def test_choose_keeps_every_chit_chat_question_below_the_answer_floor():
    positives = [Sample(0.9 + i / 100, 0.3, True, "held-out question", ()) for i in range(10)]
    negatives = [Sample(0.5, 0.05, False, "held-out article", ()) for _ in range(20)]
    chit_chat = [Sample(0.6 + i / 100, 0.4, False, "out of scope", ()) for i in range(10)]
    score, margin, suggest, covered = choose(positives + negatives + chit_chat)
    assert score > max(s.score for s in chit_chat if s.margin >= margin)
    assert covered == sum(1 for s in positives if s.score >= score and s.margin >= margin)
    assert suggest <= score


def test_choose_answers_no_negative_at_all_not_even_the_rare_one_with_a_large_lead():
    positives = [Sample(1.80 + i / 200, 0.05 + i / 100, True, "held-out question", ()) for i in range(40)]
    # Forty same-trade questions of a missing topic; one of them leads its neighbours by far.
    negatives = [Sample(1.75, 0.02, False, "held-out article", ()) for _ in range(39)]
    negatives.append(Sample(1.86, 0.30, False, "held-out article", ()))
    chit_chat = [Sample(1.5, 0.1, False, "out of scope", ()) for _ in range(10)]
    found = positives + negatives + chit_chat
    score, margin, suggest, covered = choose(found)
    assert not [s for s in negatives + chit_chat if s.score >= score and s.margin >= margin]
    assert covered == sum(1 for s in positives if s.score >= score and s.margin >= margin) > 0
    # The most coverage of every pair that answers no negative, the score floor a safety step above one.
    wrong = negatives + chit_chat
    floors = [n.score + SAFETY for n in wrong] + [1.5]
    leads = [0.0] + [float(np.nextafter(n.margin, np.inf)) for n in wrong]
    safe = [sum(1 for p in positives if p.score >= f and p.margin >= m) for f in floors for m in leads
            if not [n for n in wrong if n.score >= f and n.margin >= m]]
    assert covered == max(safe)


def test_a_calibration_stored_by_an_earlier_rule_is_computed_again(prepared, calibration):
    p, encoder = prepared
    assert calibration.method == METHOD
    old = calibration.as_dict() | {"method": METHOD - 1, "answer_score": 0.5}
    again, fresh = calibrated(p, encoder, old)
    assert fresh and again.method == METHOD and again.answer_score == calibration.answer_score
    without_field = {k: v for k, v in calibration.as_dict().items() if k != "method"}
    assert calibrated(p, encoder, without_field)[1] is True


def test_too_few_phrasings_answer_nothing():
    assert choose([Sample(0.9, 0.3, True, "held-out question", ())]) [:2] == (NEVER, NEVER)
