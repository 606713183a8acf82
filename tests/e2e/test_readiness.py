"""A real instance's /readyz follows its channel layer: 503 while Redis is down, 200 once it is back."""

import time

import httpx
import pytest

from tests.support.servers import Database

pytestmark = pytest.mark.e2e


def _readyz(daphne):
    return httpx.get(f"{daphne.http}/readyz", timeout=10)


def _wait_for(daphne, status, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        answer = _readyz(daphne)
        if answer.status_code == status or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def test_instance_answers_503_while_redis_is_down_and_200_once_it_is_back(private_redis, servers):
    database = Database("sqlite")
    try:
        daphne = servers(database, redis_url=private_redis.url, CSBOT_BOT_ENABLED=1, CSBOT_BOT_ENCODER="off")
        assert _wait_for(daphne, 200).json()["bot"] == "ok"
        private_redis.stop()
        down = _wait_for(daphne, 503)
        assert down.status_code == 503
        assert down.json()["channel_layer"].startswith(("failed", "timeout"))
        assert down.json()["database"] == "ok"
        assert "redis://" not in down.text
        private_redis.start()
        assert _wait_for(daphne, 200).status_code == 200
    finally:
        database.drop()
