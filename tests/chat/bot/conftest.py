"""Fixtures for the bot tests: the demo index and a fake LLM server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chat.bot.knowledge import demo_articles
from chat.bot.retrieval import Index
from tests.fakes.llm_server import FakeLLMServer

EVAL_PATH = Path(__file__).with_name("eval_set.json")


@pytest.fixture(scope="session")
def demo_index() -> Index:
    """Build the demo knowledge-base index once."""
    return Index.build(demo_articles())


@pytest.fixture(scope="session")
def eval_items() -> list[dict]:
    """Load the paraphrase evaluation set."""
    return json.loads(EVAL_PATH.read_text(encoding="utf-8"))["items"]


@pytest.fixture
def llm_server():
    """Run a fresh fake LLM server for one test."""
    with FakeLLMServer() as server:
        yield server


@pytest.fixture
async def bot(settings):
    """Turn the bot on for one test, with a short poll, start its runner as a server process does, stop it afterwards."""
    from chat.bot import runner
    from chat.bot.service import knowledge

    settings.CSBOT_BOT_ENABLED = True
    settings.CSBOT_BOT_POLL_S = 0.5
    settings.CSBOT_BOT_KB_CHECK_S = 0.0
    settings.CSBOT_LLM_BASE_URL = ""
    knowledge.reset()
    runner.ensure_started()
    yield settings
    await runner.stop()
    knowledge.reset()


@pytest.fixture(scope="session")
def warm_demo_vectors():
    """Embed and calibrate the demo base once per run: the encoder's cache then serves every test's rebuild.

    Production builds the index before it accepts sockets; a test that loads the
    demo base would otherwise spend its first answer's wait on the embedding.
    """
    from chat.bot import embedding
    from chat.bot.vectors import calibrated, prepare

    encoder = embedding.encoder()
    if encoder is not None:
        calibrated(prepare(demo_articles(), {}, encoder), encoder, None)


@pytest.fixture
def demo_kb(warm_demo_vectors):
    """Load the demo knowledge base through the real command."""
    from django.core.management import call_command

    call_command("load_demo_kb", verbosity=0)


@pytest.fixture
def llm(bot, llm_server):
    """Point the bot at the fake LLM server; the test picks the mode with `bot.CSBOT_LLM_MODEL`."""
    bot.CSBOT_LLM_BASE_URL = llm_server.base_url
    bot.CSBOT_LLM_API_KEY = "test-key"
    bot.CSBOT_LLM_MODEL = "fake-normal"
    bot.CSBOT_LLM_TIMEOUT_S = 2.0
    return llm_server


@pytest.fixture
def customers(settings):
    """Three signed-in customers, the bot on (turns are queued; no runner answers them)."""
    from tests.chat.helpers import make_customer

    settings.CSBOT_BOT_ENABLED = True
    return [make_customer(f"batch-{n}")[0] for n in range(3)]
