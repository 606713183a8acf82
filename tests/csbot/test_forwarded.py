"""Forwarded addresses are believed only from the configured proxies."""

import httpx
import pytest

from chat.observability.access import parse_networks
from csbot.forwarded import client_from, rewrite
from tests.support.servers import Daphne, Database

PROXIES = parse_networks(["10.0.0.1", "10.0.1.0/24"])


def scope(peer, *headers, scheme="http"):
    return {"type": "http", "scheme": scheme, "client": (peer, 5555),
            "headers": [(name.encode(), value.encode()) for name, value in headers]}


def test_an_untrusted_peer_keeps_its_own_address_and_loses_the_forwarding_headers():
    seen = rewrite(scope("203.0.113.9", ("x-forwarded-for", "127.0.0.1"), ("x-forwarded-proto", "https"),
                         ("host", "chat.example.com")), PROXIES)
    assert seen["client"][0] == "203.0.113.9" and seen["scheme"] == "http"
    assert seen["headers"] == [(b"host", b"chat.example.com")]


def test_a_trusted_proxy_names_the_client_and_the_scheme():
    seen = rewrite(scope("10.0.0.1", ("x-forwarded-for", "198.51.100.7"), ("x-forwarded-proto", "https")), PROXIES)
    assert seen["client"][0] == "198.51.100.7" and seen["scheme"] == "https"
    ws = rewrite({**scope("10.0.0.1", ("x-forwarded-proto", "https"), scheme="ws"), "type": "websocket"}, PROXIES)
    assert ws["scheme"] == "wss"


def test_a_spoofed_left_most_address_is_ignored():
    # The client sent "X-Forwarded-For: 127.0.0.1"; the proxies appended the real peer and themselves.
    assert client_from("127.0.0.1, 198.51.100.7, 10.0.1.5", PROXIES) == "198.51.100.7"
    assert client_from("", PROXIES) is None
    assert client_from("not-an-address, 10.0.1.5", PROXIES) is None
    assert client_from("[2001:db8::1]:443", PROXIES) == "2001:db8::1"


def test_no_proxies_configured_means_nothing_forwarded_is_believed():
    seen = rewrite(scope("10.0.0.1", ("x-forwarded-for", "198.51.100.7")), [])
    assert seen["client"][0] == "10.0.0.1" and seen["headers"] == []


@pytest.fixture
def database():
    database = Database("sqlite")
    yield database
    database.drop()


@pytest.mark.e2e
@pytest.mark.parametrize("trusted, spoofed_status, real_status", [("", 200, 200), ("127.0.0.1", 403, 200)])
def test_metrics_sees_the_forwarded_address_only_through_a_trusted_proxy(database, trusted, spoofed_status, real_status):
    # Only 192.0.2.10 may read /metrics; the test client connects from 127.0.0.1 (the "proxy" when trusted).
    server = Daphne(database, CSBOT_METRICS_ALLOW="192.0.2.10/32,127.0.0.1/32", CSBOT_TRUSTED_PROXIES=trusted)
    try:
        spoofed = httpx.get(f"{server.http}/metrics", headers={"X-Forwarded-For": "203.0.113.50"}, timeout=10)
        real = httpx.get(f"{server.http}/metrics", headers={"X-Forwarded-For": "127.0.0.1, 192.0.2.10"}, timeout=10)
    finally:
        server.kill()
    # Untrusted: the header is ignored and the loopback peer is allowed either way; trusted: the
    # right-most non-proxy hop is the client, so a spoofed left-most 127.0.0.1 does not open the door.
    assert (spoofed.status_code, real.status_code) == (spoofed_status, real_status)
