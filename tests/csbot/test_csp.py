"""The chat page and the console carry a Content-Security-Policy that allows only the site itself."""

import pytest
from django.test import Client

from tests.agents.helpers import make_user

pytestmark = pytest.mark.django_db


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_the_chat_page_allows_scripts_and_connections_to_this_site_only():
    policy = directives(Client().get("/"))
    assert policy["script-src"] == ["'self'"] and policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in str(policy)


def test_the_console_has_the_policy_too(settings):
    client = Client()
    client.force_login(make_user("alice", role="Agents"))
    response = client.get("/admin/console/")
    assert response.status_code == 200
    assert directives(response)["script-src"] == ["'self'"]


def test_the_policy_is_a_setting(settings):
    settings.CSBOT_CSP = "default-src 'self' https://cdn.example.com"
    assert Client().get("/")["Content-Security-Policy"] == "default-src 'self' https://cdn.example.com"
