"""manage.py kb import/export and load_demo_kb: round trips, and bad files write nothing."""

import json

import pytest
from django.core.management import CommandError, call_command

from chat.bot.formats import KBFormatError, parse, render
from chat.bot.knowledge import DEMO_KB_PATH
from chat.bot.store import export_entries
from chat.models import Article

pytestmark = pytest.mark.django_db(transaction=True)

DEMO = parse(DEMO_KB_PATH.read_text(encoding="utf-8"), "json")


def kb(*args):
    call_command("kb", *[str(a) for a in args], verbosity=0)


@pytest.mark.parametrize("kind", ["json", "csv", "md"])
def test_render_then_parse_gives_the_same_entries(kind):
    assert parse(render(DEMO, kind), kind) == DEMO


@pytest.mark.parametrize("kind", ["json", "csv", "md"])
def test_export_then_import_round_trips_through_the_database(tmp_path, kind):
    call_command("load_demo_kb", verbosity=0)
    Article.objects.filter(slug="refund-request-en").update(enabled=False)
    before = export_entries()
    path = tmp_path / f"kb.{kind}"
    kb("export", path)
    Article.objects.all().delete()
    kb("import", path)
    assert export_entries() == before and len(before) == len(DEMO)
    assert not Article.objects.get(slug="refund-request-en").enabled


def test_load_demo_kb_is_idempotent_and_keeps_hand_written_articles():
    call_command("load_demo_kb", verbosity=0)
    Article.objects.create(slug="mine", title="Mine", answer="Kept.")
    stamps = dict(Article.objects.values_list("slug", "updated_at"))
    call_command("load_demo_kb", verbosity=0)
    assert dict(Article.objects.values_list("slug", "updated_at")) == stamps


def test_replace_deletes_articles_the_file_does_not_hold(tmp_path):
    call_command("load_demo_kb", verbosity=0)
    path = tmp_path / "two.json"
    path.write_text(json.dumps({"articles": [e.as_dict() for e in DEMO[:2]]}), encoding="utf-8")
    kb("import", path, "--replace")
    assert sorted(Article.objects.values_list("slug", flat=True)) == sorted(e.slug for e in DEMO[:2])


BAD_FILES = {
    "csv": (
        "id,title,questions,answer,tags\n"
        "good-one,Good,how?|why?,Because.,a|b\n"
        "no-answer,Missing answer,q,,\n"
        '"multi-line",Fine,"q1|q2","line one\nline two",\n'
        "Bad Id,Title,q,Answer,\n",
        ["line 3: answer is missing or empty", "line 6: id 'Bad Id'"],
    ),
    "json": (
        json.dumps({"articles": [
            {"id": "ok", "title": "Ok", "answer": "Yes."},
            {"id": "no-title", "answer": "x"},
            {"id": "ok", "title": "Again", "answer": "dup"},
            {"id": "tags", "title": "T", "answer": "A", "tags": "not-a-list"},
        ]}),
        ["article 2: title is missing", "article 3: duplicate id 'ok'", "article 4: tags must be a list"],
    ),
    "md": (
        "# KB\n\n## Good {#good}\n\n- q\n\nAnswer.\n\n## Broken heading\n\nText\n\n## Empty {#empty}\n\n- q\n",
        ["line 9: a heading must read", "line 13: answer is missing"],
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_rows_are_all_reported_with_their_place_and_nothing_is_imported(tmp_path, kind):
    call_command("load_demo_kb", verbosity=0)
    before = export_entries()
    text, expected = BAD_FILES[kind]
    path = tmp_path / f"bad.{kind}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as failure:
        kb("import", path, "--replace")
    message = str(failure.value)
    assert message.startswith("nothing imported")
    for fragment in expected:
        assert fragment in message
    assert export_entries() == before


def test_unknown_extension_and_unreadable_json_are_refused(tmp_path):
    with pytest.raises(CommandError, match="unknown format"):
        kb("import", tmp_path / "kb.txt")
    broken = tmp_path / "broken.json"
    broken.write_text('{"articles": [', encoding="utf-8")
    with pytest.raises(CommandError, match="line 1: not valid JSON"):
        kb("import", broken)
    assert Article.objects.count() == 0


def test_csv_header_must_name_known_columns():
    with pytest.raises(KBFormatError, match="line 1"):
        parse("id,title,body\nx,y,z\n", "csv")
