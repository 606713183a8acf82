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
