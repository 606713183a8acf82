"""Protocol tests are pure: no settings, no channel layer, runnable without pytest-django."""

import pytest


@pytest.fixture(autouse=True)
def in_memory_channel_layer():
    """Replace the suite-wide channel layer fixture; nothing here touches a layer."""
    yield
