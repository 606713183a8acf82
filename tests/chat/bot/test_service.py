"""The per-process index follows the knowledge base in the database, rebuilding in the background."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command

from chat.bot.service import KnowledgeIndex
from chat.models import Article

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


@pytest.fixture
def kb_settings(settings):
    settings.CSBOT_BOT_KB_CHECK_S = 0.0
    return settings


async def built(knowledge, old, timeout=10.0):
    """Ask for the index until it is no longer `old` (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        index = await knowledge.current()
        if index is not old:
            return index
        await asyncio.sleep(0.02)
    raise AssertionError("the index was not rebuilt")


async def test_index_is_rebuilt_when_an_article_changes_and_the_old_one_serves_meanwhile(kb_settings):
    await db(call_command)("load_demo_kb", verbosity=0)
    knowledge = KnowledgeIndex()
    first = await knowledge.current()
    assert len(first) == 54 and first.article("warp") is None

    await db(Article.objects.create)(slug="warp", title="Warp drive repair", questions=["Can you repair my warp drive?"],
                                     answer="We do not repair warp drives.", language="en")
    served = await knowledge.current()  # the rebuild started; this answer still uses the old index
    assert served is first
    second = await built(knowledge, first)
    assert len(second) == 55 and second.index.lexical.search("warp drive repair")[0].article_id == "warp"
    # The new article was embedded and stored; the others' stored vectors were reused.
    warp = await db(Article.objects.get)(slug="warp")
    assert warp.vectors_key and warp.vectors and second.index.dense
    assert second.calibration.fingerprint == second.index.fingerprint

    article = await db(Article.objects.get)(slug="warp")
    article.enabled = False
    await db(article.save)()
    third = await built(knowledge, second)
    assert len(third) == 54

    await db(Article.objects.filter(slug="warp").delete)()
    assert await knowledge.current() is third  # a disabled article's deletion changes the stamp...
    fourth = await built(knowledge, third)
    assert len(fourth) == 54  # ...and the rebuild gives the same articles


async def test_version_is_checked_at_most_every_interval(settings):
    settings.CSBOT_BOT_KB_CHECK_S = 3600
    knowledge = KnowledgeIndex()
    first = await knowledge.current()
    await db(Article.objects.create)(slug="x", title="X", answer="Y")
    await asyncio.sleep(0.1)
    assert await knowledge.current() is first and len(first) == 0
    assert len(await knowledge.refresh()) == 1
