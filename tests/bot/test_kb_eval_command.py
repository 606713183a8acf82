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


def test_an_unreadable_questions_file_is_refused(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError):
        run("eval", path, "--kb", DEMO_KB_PATH)


def test_the_built_in_out_of_scope_set_is_not_empty():
    assert len(out_of_scope_questions()) >= 50
