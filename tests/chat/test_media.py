"""Pictures (contract section 8): type by content, cleaning, signed URLs, upload answers, messages that carry one."""

import io
import time

import pytest
from channels.db import database_sync_to_async
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test import AsyncClient
from django.test.utils import CaptureQueriesContext
from PIL import Image

from chat import media, media_urls
from chat.actions import record_customer_message
from chat.models import Media, Message
from chat.sync import messages_after, page_before
from tests.support import pictures

from .helpers import Socket, make_customer

db = database_sync_to_async


# --- no database ----------------------------------------------------------


@pytest.mark.parametrize("data, mime", [
    (pictures.jpeg_with_location(), "image/jpeg"),
    (pictures.png(), "image/png"),
    (pictures.gif(), "image/gif"),
    (pictures.webp(), "image/webp"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
    (b"%PDF-1.7\n", None),
    (b"", None),
])
def test_type_is_read_from_the_first_bytes(data, mime):
    assert media.sniff(data[: media.SNIFF_BYTES]) == mime


def test_cleaning_drops_exif_and_the_gps_position():
    original = pictures.jpeg_with_location()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(pictures.GPS_IFD)  # the test picture has one
    cleaned = media.clean(io.BytesIO(original))
    stored = Image.open(io.BytesIO(cleaned.data))
    assert dict(stored.getexif()) == {} and "exif" not in stored.info
    assert (cleaned.mime, cleaned.width, cleaned.height) == ("image/jpeg", 640, 480)
    thumb = Image.open(io.BytesIO(cleaned.thumb))
    assert thumb.format == "JPEG" and max(thumb.size) == 320 and dict(thumb.getexif()) == {}


@pytest.mark.parametrize("make, mime", [(pictures.png, "image/png"), (pictures.gif, "image/gif"),
                                        (pictures.webp, "image/webp")])
def test_every_accepted_type_is_stored_in_its_own_format(make, mime):
    cleaned = media.clean(io.BytesIO(make()))
    assert cleaned.mime == mime
    assert Image.open(io.BytesIO(cleaned.data)).format == media.FORMATS[mime][0]


def test_an_animated_gif_keeps_its_frames():
    cleaned = media.clean(io.BytesIO(pictures.gif(frames=4)))
    assert Image.open(io.BytesIO(cleaned.data)).n_frames == 4


def test_a_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(media.MediaRefused) as refused:
        media.clean(io.BytesIO(pictures.png_bomb()))
    assert (refused.value.status, refused.value.code) == (413, "too_large")


def test_more_pixels_than_the_setting_allows_is_refused(settings):
    settings.CSBOT_MEDIA_MAX_PIXELS = 100 * 100
    with pytest.raises(media.MediaRefused) as refused:
        media.clean(io.BytesIO(pictures.png((101, 100))))
    assert refused.value.status == 413


@pytest.mark.parametrize("data", [
    b"just words, named photo.jpg",
    pictures.jpeg_with_location()[:300],  # cut short: a JPEG head with no picture
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,  # a PNG signature and nothing readable
    b"GIF89a" + b"\xff" * 20,
])
def test_what_is_not_a_readable_picture_is_unsupported(data):
    with pytest.raises(media.MediaRefused) as refused:
        media.clean(io.BytesIO(data))
    assert (refused.value.status, refused.value.code) == (415, "unsupported_type")


def test_a_signed_url_works_until_it_expires_and_not_for_another_file():
    url = media_urls.signed_url("chat/a.jpg", now=1000, ttl=60)
    query = dict(part.split("=") for part in url.split("?")[1].split("&"))
    assert media_urls.valid("chat/a.jpg", query["e"], query["s"], now=1059)
    assert not media_urls.valid("chat/a.jpg", query["e"], query["s"], now=1061)
    assert not media_urls.valid("chat/b.jpg", query["e"], query["s"], now=1000)
    assert not media_urls.valid("chat/a.jpg", str(int(query["e"]) + 3600), query["s"], now=1000)
    assert not media_urls.valid("chat/a.jpg", "soon", query["s"], now=1000)
    assert not media_urls.valid("chat/a.jpg", query["e"], None, now=1000)


# --- with the database ----------------------------------------------------


def stored_picture(customer=None, data=None):
    cleaned = media.clean(io.BytesIO(data or pictures.jpeg_with_location()))
    return media.save_cleaned(cleaned, customer_id=customer.pk if customer else None)


def upload(client, token, data, **kwargs):
    body = {"file": ContentFile(data, name=kwargs.pop("name", "photo.jpg"))}
    return client.post("/api/chat/media", body, headers={"Authorization": f"Bearer {token}"}, **kwargs)


@pytest.mark.django_db(transaction=True)
async def test_upload_answers_the_contract_and_the_stored_file_has_no_exif():
    customer, token = await db(make_customer)("o-pic")
    client = AsyncClient()
    response = await upload(client, token, pictures.jpeg_with_location())
    assert response.status_code == 200, response.content
    answer = response.json()
    assert set(answer) == {"media_id", "mime", "bytes", "width", "height", "url", "thumb_url"}
    assert (answer["mime"], answer["width"], answer["height"]) == ("image/jpeg", 640, 480)
    row = await Media.objects.aget(pk=int(answer["media_id"]))
    assert row.customer_id == customer.pk and row.bytes == answer["bytes"]
    with default_storage.open(row.name, "rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
    assert dict(stored.getexif()) == {} and not stored.getexif().get_ifd(pictures.GPS_IFD)
    served = await client.get(answer["url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join([served.content]) == default_storage.open(row.name).read()
    assert (await client.get(answer["thumb_url"])).status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_a_url_with_a_bad_or_expired_signature_is_404(settings):
    customer, token = await db(make_customer)("o-pic")
    client = AsyncClient()
    answer = (await upload(client, token, pictures.png())).json()
    path, query = answer["url"].split("?")
    assert (await client.get(path)).status_code == 404
    assert (await client.get(path + "?" + query.replace("s=", "s=0"))).status_code == 404
    name = path.removeprefix("/api/chat/media/file/")
    expired = media_urls.signed_url(name, now=time.time() - 10, ttl=5)
    assert (await client.get(expired)).status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("data, status, code", [
    (b"%PDF-1.7 not a picture", 415, "unsupported_type"),
    (pictures.png_bomb(), 413, "too_large"),
])
async def test_upload_refusals_store_nothing(data, status, code):
    _, token = await db(make_customer)("o-pic")
    response = await upload(AsyncClient(), token, data)
    assert (response.status_code, response.json()["error"]) == (status, code)
    assert await Media.objects.acount() == 0


@pytest.mark.django_db(transaction=True)
async def test_upload_over_the_size_setting_is_413(settings):
    settings.CSBOT_MAX_MEDIA_BYTES = 1000
    _, token = await db(make_customer)("o-pic")
    response = await upload(AsyncClient(), token, pictures.jpeg_with_location((800, 800)))
    assert (response.status_code, response.json()["error"]) == (413, "too_large")


@pytest.mark.django_db(transaction=True)
async def test_upload_needs_a_token_and_a_file_field():
    _, token = await db(make_customer)("o-pic")
    client = AsyncClient()
    assert (await client.post("/api/chat/media", {"file": ContentFile(b"x", name="a")})).status_code == 401
    response = await client.post("/api/chat/media", {"other": "x"}, headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


@pytest.mark.django_db(transaction=True)
async def test_a_picture_message_is_acked_and_carries_fresh_signed_urls():
    customer, token = await db(make_customer)("o-pic")
    answer = (await upload(AsyncClient(), token, pictures.png())).json()
    socket = Socket(token)
    await socket.open()
    welcome, _, _ = await socket.hello()
    assert welcome["max_media_bytes"] == 10 * 1024 * 1024
    await socket.send({"type": "message", "client_msg_id": "p-1", "media_id": answer["media_id"]})
    ack = await socket.expect("ack")
    assert ack["seq"] == 1
    # The same client_msg_id again: the same ack, nothing new stored.
    await socket.send({"type": "message", "client_msg_id": "p-1", "media_id": answer["media_id"]})
    assert (await socket.expect("ack"))["msg_id"] == ack["msg_id"]
    await socket.close()
    socket = Socket(token)
    await socket.open()
    _, page, _ = await socket.hello()
    picture = page[0]["media"]
    assert page[0]["text"] == "" and picture["url"].startswith("/api/chat/media/file/")
    assert (picture["mime"], picture["width"], picture["height"]) == ("image/png", 64, 48)
    served = await AsyncClient().get(picture["thumb_url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    await socket.close()
    message = await Message.objects.select_related("media").aget(client_msg_id="p-1")
    assert message.media.customer_id == customer.pk


@pytest.mark.django_db(transaction=True)
async def test_someone_elses_or_an_unknown_picture_is_not_found_and_the_socket_stays():
    other, other_token = await db(make_customer)("o-other", "dev-9")
    theirs = (await upload(AsyncClient(), other_token, pictures.png())).json()["media_id"]
    _, token = await db(make_customer)("o-pic")
    socket = Socket(token)
    await socket.open()
    await socket.hello()
    for media_id in (theirs, "987654", "99999999999999999999"):
        await socket.send({"type": "message", "client_msg_id": "p-x", "media_id": media_id, "text": "look"})
        error = await socket.expect("error")
        assert (error["code"], error["client_msg_id"]) == ("not_found", "p-x")
    await socket.send({"type": "message", "client_msg_id": "p-y", "text": "still here"})
    assert (await socket.expect("ack"))["seq"] == 1
    await socket.close()
    assert not await Message.objects.filter(client_msg_id="p-x").aexists()


@pytest.mark.django_db(transaction=True)
async def test_long_poll_post_takes_a_picture_too():
    _, token = await db(make_customer)("o-pic")
    client = AsyncClient()
    media_id = (await upload(client, token, pictures.webp())).json()["media_id"]
    headers = {"Authorization": f"Bearer {token}"}
    response = await client.post("/api/chat/messages", {"client_msg_id": "lp-1", "media_id": media_id, "text": "看"},
                                 content_type="application/json", headers=headers)
    assert response.status_code == 200 and response.json()["seq"] == 1
    polled = (await client.get("/api/chat/poll?after_seq=0&timeout=0", headers=headers)).json()
    assert polled["messages"][0]["media"]["mime"] == "image/webp" and polled["messages"][0]["text"] == "看"
    response = await client.post("/api/chat/messages", {"client_msg_id": "lp-2", "media_id": "12345"},
                                 content_type="application/json", headers=headers)
    assert (response.status_code, response.json()["error"]) == (400, "not_found")


def _fill(customer, with_pictures, count=20):
    for index in range(count):
        picture = stored_picture(customer, pictures.png((8, 8))) if with_pictures else None
        record_customer_message(customer=customer, client_msg_id=f"m-{index}", text=f"words {index}", media=picture)
    return Message.objects.filter(conversation__customer=customer).values_list("conversation_id", flat=True).first()


def _queries(read):
    with CaptureQueriesContext(connection) as captured:
        frames = read()
    return len(captured.captured_queries), frames


@pytest.mark.django_db
@pytest.mark.parametrize("read", [
    lambda conversation_id: page_before(conversation_id, 0, 50),
    lambda conversation_id: page_before(conversation_id, 0, 50, max_bytes=256 * 1024),
    lambda conversation_id: messages_after(conversation_id, 0),
], ids=["history-page", "welcome-page", "replay"])
def test_a_page_of_pictures_costs_no_more_queries_than_a_page_of_text(read):
    text_conversation = _fill(make_customer("o-text", "dev-t")[0], with_pictures=False)
    picture_conversation = _fill(make_customer("o-pics", "dev-p")[0], with_pictures=True)
    text_queries, text_frames = _queries(lambda: read(text_conversation))
    picture_queries, picture_frames = _queries(lambda: read(picture_conversation))
    assert len(text_frames) == len(picture_frames) == 20
    assert all("media" in frame for frame in picture_frames) and not any("media" in f for f in text_frames)
    assert picture_queries <= text_queries
