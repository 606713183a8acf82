"""Pictures on the staff side: the console's upload, a reply carrying one, transcripts and exports."""

import csv
import io
import json

import pytest
from channels.db import database_sync_to_async
from django.core.files.base import ContentFile
from django.test import Client

from agents import exports, timeline
from agents.console import transcript
from chat import actions, media
from chat.models import Conversation, Message
from tests.support import pictures

from .helpers import customer_conversation, make_user
from .sockets import Console, close_all, session_cookie

db = database_sync_to_async


def customer_picture_conversation():
    """A conversation whose customer sent a picture with words."""
    conversation = customer_conversation("hello", openid="o-pic-staff")
    picture = media.save_cleaned(media.clean(io.BytesIO(pictures.jpeg_with_location())),
                                 customer_id=conversation.customer_id)
    actions.record_customer_message(customer=conversation.customer_id, client_msg_id="p-1", text="broken cup",
                                    media=picture)
    return conversation


def console_upload(client, data):
    return client.post("/admin/console/media", {"file": ContentFile(data, name="reply.png")})


@pytest.mark.django_db
def test_agents_upload_pictures_with_the_same_checks_and_others_may_not():
    agent = make_user("ann", role="Agents")
    client = Client()
    client.force_login(agent)
    answer = console_upload(client, pictures.png())
    assert answer.status_code == 200 and answer.json()["mime"] == "image/png"
    assert media.staff_media(int(answer.json()["media_id"])).uploaded_by == agent
    refused = console_upload(client, b"%PDF-1.7")
    assert (refused.status_code, refused.json()["error"]) == (415, "unsupported_type")
    assert console_upload(client, pictures.png_bomb()).status_code == 413
    outsider = Client()
    outsider.force_login(make_user("bob", staff=True))
    assert console_upload(outsider, pictures.png()).status_code == 403


@pytest.mark.django_db
def test_transcripts_and_exports_carry_the_picture():
    conversation = customer_picture_conversation()
    entry = next(e for e in transcript(conversation)["entries"] if e.get("client_msg_id") == "p-1")
    assert entry["text"] == "broken cup" and entry["media"]["thumb_url"].startswith("/api/chat/media/file/")
    row = next(r for r in timeline.entries(conversation.pk) if "message" in r and r["message"].client_msg_id == "p-1")
    assert row["picture"]["width"] == 640
    exported = json.loads("".join(exports.json_transcripts(Conversation.objects.filter(pk=conversation.pk))))
    pictured = [m for m in exported["conversations"][0]["messages"] if "picture" in m]
    assert len(pictured) == 1 and pictured[0]["picture"]["url"].startswith("/api/chat/media/file/")
    assert pictured[0]["picture"]["mime"] == "image/jpeg"
    rows = list(csv.DictReader(io.StringIO("".join(exports.csv_rows(Conversation.objects.all())).lstrip("\ufeff"))))
    assert [row["pictures"] for row in rows] == ["1"]


@pytest.mark.django_db
def test_the_admin_transcript_page_shows_the_thumbnail():
    conversation = customer_picture_conversation()
    manager = make_user("meg", role="Managers", superuser=True)
    client = Client()
    client.force_login(manager)
    page = client.get(f"/admin/agents/transcript/{conversation.pk}/change/")
    assert page.status_code == 200
    assert b'class="picture"' in page.content and b".thumb.jpg?e=" in page.content


@pytest.mark.django_db(transaction=True)
async def test_an_agent_replies_with_a_picture_and_cannot_send_a_customers():
    conversation = await db(customer_picture_conversation)()
    agent = await db(make_user)("ann", role="Agents")
    await db(actions.take_over)(conversation=conversation, agent=agent, agent_name="Ann")
    client = Client()
    await db(client.force_login)(agent)
    staff_id = (await db(console_upload)(client, pictures.png((30, 20)))).json()["media_id"]
    customer_pictures = await db(lambda: list(Message.objects.filter(client_msg_id="p-1").values_list("media_id", flat=True)))()
    console = Console(await db(session_cookie)(agent))
    try:
        await console.open()
        await console.hello()
        done = await console.command("reply", conversation.pk, text="", media_id=staff_id)
        assert done["type"] == "done", done
        refused = await console.command("reply", conversation.pk, text="x", media_id=str(customer_pictures[0]))
        assert (refused["type"], refused["code"]) == ("error", "not_found")
    finally:
        await close_all()
    sent = await Message.objects.select_related("media").aget(sender="agent")
    assert sent.media.width == 30 and sent.text == "" and sent.seq is not None
