import pytest

from tests.support.browser import chromium_path
from tests.support.servers import Daphne


@pytest.fixture
def chromium():
    return chromium_path()


@pytest.fixture
def servers():
    """Start daphne processes on demand; all are killed at the end."""
    started = []

    def start(database, **kwargs):
        server = Daphne(database, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()
