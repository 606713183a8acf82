"""Shared fixtures: in-process tests use the in-memory layer; end-to-end tests real services."""

import subprocess
from pathlib import Path

import pytest
from channels.layers import channel_layers

from tests.support import services
from tests.support.servers import Database, RedisServer


LOCALE = Path(__file__).resolve().parents[1] / "locale"


def pytest_sessionstart(session):
    """Build the translation catalogues a plain `pytest` run needs, as `make messages` does."""
    for po in LOCALE.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)


@pytest.fixture(autouse=True)
def in_memory_channel_layer(settings):
    """Give each in-process test a fresh in-memory layer; processes under test choose their own."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def full_rate_limit_buckets():
    """Ids restart after each test's flush: a bucket emptied by an earlier test is not this customer's."""
    from chat import limits

    limits.reset_local()
    yield
    limits.reset_local()


@pytest.fixture(autouse=True)
def media_root_per_test(settings, tmp_path):
    """Pictures stored by a test land in its own folder, never in the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def bot_off_unless_asked(settings):
    """Keep the bot quiet in tests that are not about it; bot tests turn it on."""
    settings.CSBOT_BOT_ENABLED = False


@pytest.fixture
def redis_url():
    return services.redis_url()


@pytest.fixture
def private_redis():
    """A Redis of the test's own, on its own port, that it may restart."""
    server = RedisServer()
    yield server
    server.close()


@pytest.fixture(params=["sqlite", "postgres"])
def e2e_database(request):
    """A migrated database that daphne processes share: SQLite file, then PostgreSQL."""
    admin_url = services.postgres_url() if request.param == "postgres" else None
    database = Database(request.param, admin_url)
    yield database
    database.drop()


@pytest.fixture
def pg_database():
    database = Database("postgres", services.postgres_url())
    yield database
    database.drop()
