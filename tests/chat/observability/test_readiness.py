"""GET /readyz: 503 until the database, the channel layer and the bot's encoder and index are ready, then 200."""

import asyncio

import pytest

from chat.bot.service import knowledge
from chat.observability.readiness import readiness

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_process_state():
    readiness.reset()
    knowledge.reset()
    yield
    readiness.reset()
    knowledge.reset()


async def test_not_ready_until_the_bot_has_loaded_then_ready(async_client, settings):
    settings.CSBOT_BOT_ENABLED = True
    settings.CSBOT_BOT_ENCODER = "off"
    first = await async_client.get("/readyz")
    assert first.status_code == 503
    assert first.json() == {"ready": False, "database": "ok", "channel_layer": "ok", "bot": "loading"}
    await asyncio.wait_for(readiness._warm_up, 30)
    second = await async_client.get("/readyz")
    assert second.status_code == 200
    assert second.json()["ready"] is True
    assert knowledge.index is not None  # the first answer will not build it


async def test_bot_off_needs_only_database_and_channel_layer(async_client):
    await async_client.get("/readyz")
    await asyncio.wait_for(readiness._warm_up, 5)
    answer = await async_client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"ready": True, "database": "ok", "channel_layer": "ok", "bot": "ok"}
