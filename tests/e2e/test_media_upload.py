"""Uploads against a real daphne: too-large bodies are refused with 413, by Content-Length and while chunked."""

import httpx
import pytest

from tests.support import pictures
from tests.support.client import login
from tests.support.servers import Database

pytestmark = [pytest.mark.e2e]
MAX = 10 * 1024 * 1024


@pytest.fixture
def sqlite_database():
    database = Database("sqlite")
    yield database
    database.drop()


@pytest.fixture
def server(sqlite_database, servers):
    return servers(sqlite_database, name="upload")


def headers(server, **extra):
    return {"Authorization": f"Bearer {login(server.http, 'up-1', 'dev-1')}", **extra}


def test_an_upload_over_the_limit_with_content_length_is_413(server):
    body, content_type = pictures.multipart(b"\xff\xd8\xff" + b"\x00" * (MAX + 64 * 1024))
    response = httpx.post(f"{server.http}/api/chat/media", content=body, timeout=60,
                          headers=headers(server, **{"Content-Type": content_type}))
    assert (response.status_code, response.json()["error"]) == (413, "too_large")


def chunks(body):
    """A generator: httpx sends it with Transfer-Encoding: chunked, no length."""
    for start in range(0, len(body), 256 * 1024):
        yield body[start:start + 256 * 1024]


def test_a_chunked_upload_over_the_limit_is_413(server):
    body, content_type = pictures.multipart(b"\xff\xd8\xff" + b"\x00" * (MAX + 64 * 1024))
    response = httpx.post(f"{server.http}/api/chat/media", content=chunks(body), timeout=60,
                          headers=headers(server, **{"Content-Type": content_type}))
    assert (response.status_code, response.json()["error"]) == (413, "too_large"), (response.text, server.output()[-3000:])
    # The server is still fine, and a chunked picture under the limit goes through.
    body, content_type = pictures.multipart(pictures.png())
    ok = httpx.post(f"{server.http}/api/chat/media", content=chunks(body), timeout=60,
                    headers=headers(server, **{"Content-Type": content_type}))
    assert ok.status_code == 200 and ok.json()["mime"] == "image/png"


def test_an_upload_just_under_the_limit_is_taken_apart_by_content_not_size(server):
    body, content_type = pictures.multipart(b"not a picture" * 1000, filename="x.jpg")
    response = httpx.post(f"{server.http}/api/chat/media", content=body, timeout=60,
                          headers=headers(server, **{"Content-Type": content_type}))
    assert (response.status_code, response.json()["error"]) == (415, "unsupported_type")
