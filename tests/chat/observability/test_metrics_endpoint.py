"""/metrics: who may read it, and what the scrape-time queue collector reports."""

import pytest

from chat import actions
from chat.models import SenderKind
from chat.observability.access import address_allowed, parse_networks, token_matches
from tests.chat.helpers import make_customer

pytestmark = pytest.mark.django_db(transaction=True)


def test_loopback_reads_metrics_by_default(client):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    body = response.content.decode()
    assert "csbot_sockets_open" in body
    assert "csbot_queue_length" in body
    assert "django_http_requests_total_by_method" in body


def test_other_addresses_are_refused(client):
    response = client.get("/metrics", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 403
    assert b"csbot_" not in response.content


def test_listed_network_reads_metrics(client, settings):
    settings.CSBOT_METRICS_ALLOW = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_bearer_token_opens_metrics_from_anywhere(client, settings):
    settings.CSBOT_METRICS_TOKEN = "scrape-secret"
    ok = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer scrape-secret")
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope")
    missing = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert (ok.status_code, wrong.status_code, missing.status_code) == (200, 403, 403)


def test_empty_token_setting_never_matches():
    assert not token_matches("Bearer ", "")
    assert not token_matches("Bearer anything", "")


def test_address_matching_handles_ipv6_and_mapped_ipv4():
    networks = parse_networks(["127.0.0.1/32", "::1/128", "192.168.0.0/16"])
    assert address_allowed("::1", networks)
    assert address_allowed("::ffff:127.0.0.1", networks)
    assert address_allowed("192.168.4.4", networks)
    assert not address_allowed("192.169.0.1", networks)
    assert not address_allowed("not-an-ip", networks)
    assert not address_allowed(None, networks)


def test_queue_collector_counts_waiting_conversations(client):
    customer, _ = make_customer("o-queued")
    result = actions.record_customer_message(customer=customer.pk, client_msg_id="q1", text="a person please")
    actions.request_handoff(conversation=result.message.conversation_id, actor=SenderKind.CUSTOMER, reason="asked")
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert "csbot_queue_length 1.0" in body
    assert "csbot_queue_collector_up 1.0" in body
    assert 'csbot_handoffs_total{reason="asked"}' in body
