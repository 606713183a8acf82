"""manage.py kb eval: labelled questions asked through the bot's decision path, with the figures printed."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from chat.bot.calibration import out_of_scope_questions
from chat.bot.knowledge import DEMO_KB_PATH
from chat.models import KnowledgeCalibration

from .conftest import EVAL_PATH

pytestmark = pytest.mark.django_db(transaction=True)

ITEMS = [
    {"question": "how do I get my money back", "expected": "refund-request-en", "kind": "paraphrase", "language": "en"},
    {"question": "运费怎么算", "expected": "shipping-fees-zh", "kind": "paraphrase", "language": "zh"},
    {"question": "what's the capital of France", "kind": "out_of_scope"},
    {"question": "转人工", "kind": "person"},
    {"question": "I want to talk to a human", "kind": "person"},
    {"question": "我的账号被盗了", "kind": "escalate"},
]


def run(*args):
    out = io.StringIO()
    call_command("kb", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def write(tmp_path, items):
    path = tmp_path / "questions.json"
    path.write_text(json.dumps({"items": items}, ensure_ascii=False), encoding="utf-8")
    return path


def test_eval_of_a_file_base_reports_every_kind_in_json(tmp_path, warm_demo_vectors):
    summary = json.loads(run("eval", write(tmp_path, ITEMS), "--kb", DEMO_KB_PATH, "--json"))
    assert summary["en"]["questions"] == 1 and summary["zh"]["questions"] == 1
    for language in ("en", "zh"):
        s = summary[language]
        assert s["answered_right"] + s["answered_wrong"] + s["suggested_right"] <= 1
        assert s["answered_wrong"] == 0
    assert summary["out_of_scope"] == {"questions": 1, "answered": 0, "outcomes": summary["out_of_scope"]["outcomes"]}
    assert summary["person"]["handed_off"] == 2 and summary["escalate"]["handed_off"] == 1
    assert summary["escalate"]["reasons"] == {"security": 1}
    assert summary["latency_ms"]["p50"] > 0 and summary["calibration"]["dense"] is True


def test_eval_of_the_database_base_after_an_import_and_the_text_report(tmp_path, warm_demo_vectors):
    imported = run("import", DEMO_KB_PATH)
    assert "calibrated on" in imported
    assert KnowledgeCalibration.objects.count() == 1  # recomputed on import, stored beside the base
    text = run("eval", EVAL_PATH, "--show-mistakes")
    assert "right article answered" in text and "out of scope:" in text and "decision latency" in text


def test_a_mistake_is_listed(tmp_path, warm_demo_vectors):
    # A question labelled with the wrong article: the bot's right answer shows up as a mistake.
    items = [{"question": "how do I request a refund", "expected": "shipping-fees-en", "kind": "paraphrase",
              "language": "en"}]
    text = run("eval", write(tmp_path, items), "--kb", DEMO_KB_PATH, "--show-mistakes")
    assert "wrong answers 1" in text and "refund-request-en (expected shipping-fees-en)" in text


@pytest.mark.parametrize("items,message", [
    ([{"question": "x", "expected": "no-such-article", "kind": "paraphrase", "language": "en"}], "not in the knowledge base"),
])
def test_questions_naming_unknown_articles_are_refused(tmp_path, items, message, warm_demo_vectors):
    with pytest.raises(CommandError, match=message):
        run("eval", write(tmp_path, items), "--kb", DEMO_KB_PATH)


def test_a_question_that_mentions_a_person_counts_as_answerable_or_out_of_scope(tmp_path, warm_demo_vectors):
    items = ITEMS + [
        {"question": "人工客服几点上班", "expected": "opening-hours-zh", "kind": "not_person", "language": "zh"},
        {"question": "do your human agents get paid well", "expected": None, "kind": "not_person", "language": "en"},
    ]
    summary = json.loads(run("eval", write(tmp_path, items), "--kb", DEMO_KB_PATH, "--json"))
    assert summary["zh"]["questions"] == 2 and summary["en"]["questions"] == 1
    assert summary["out_of_scope"]["questions"] == 2 and summary["out_of_scope"]["answered"] == 0
    assert summary["not_person"] == {"questions": 2, "handed_off": 0}
    text = run("eval", write(tmp_path, items), "--kb", DEMO_KB_PATH)
    assert "mentions a person, asks a question: 2 questions, handed off 0" in text


def test_a_question_that_mentions_a_person_and_is_handed_off_is_a_mistake(tmp_path, warm_demo_vectors):
    # Labelled not_person although it asks for a person: the hand-off is listed against the bot.
    items = [{"question": "转人工", "expected": None, "kind": "not_person", "language": "zh"}]
    text = run("eval", write(tmp_path, items), "--kb", DEMO_KB_PATH, "--show-mistakes")
    assert "handed off 1 (should be 0)" in text and "[not_person] '转人工': handoff" in text


@pytest.mark.parametrize("item", [
    {"question": "运费怎么算", "expected": None, "kind": "paraphrase"},
    {"question": "what's the weather", "expected": "shipping-fees-en", "kind": "out_of_scope"},
    {"question": "", "expected": "shipping-fees-en", "kind": "paraphrase"},
    {"question": "hi", "kind": "chit_chat"},
])
def test_items_that_break_the_format_are_refused(tmp_path, item):
    with pytest.raises(CommandError, match="item 1"):
        run("eval", write(tmp_path, [item]), "--kb", DEMO_KB_PATH)


def test_an_unreadable_questions_file_is_refused(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError):
        run("eval", path, "--kb", DEMO_KB_PATH)


def test_the_built_in_out_of_scope_set_is_not_empty():
    assert len(out_of_scope_questions()) >= 50
