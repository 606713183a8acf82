"""Access to the real services tests need: required under CI, skipped elsewhere."""

import os
import socket
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(reason):
    """Fail under CI, where every service must be there; skip on a developer's machine."""
    if IN_CI:
        pytest.fail(f"required service missing under CI: {reason}")
    pytest.skip(reason)


def reachable(url, default_port):
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        missing("REDIS_URL is not set")
    if not reachable(url, 6379):
        missing(f"Redis at {url} is not reachable")
    return url


def postgres_url():
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url:
        missing("TEST_DATABASE_URL is not set")
    if not reachable(url, 5432):
        missing(f"PostgreSQL at {url} is not reachable")
    return url


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
