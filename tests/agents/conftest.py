import pytest

from .sockets import close_all


@pytest.fixture(autouse=True)
async def consoles_closed():
    yield
    await close_all()
