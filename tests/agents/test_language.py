"""Which language staff read: their profile's, else their browser's, else the site's default (Chinese)."""

import json

import pytest
from django.test import Client

from agents.language import browser_language, language_for
from agents.models import AgentProfile

from .helpers import make_user

pytestmark = pytest.mark.django_db


def test_the_browser_decides_without_a_profile_choice_and_chinese_is_the_default():
    assert browser_language("en-US,en;q=0.9") == "en"
    assert browser_language("zh-CN,zh;q=0.9,en;q=0.5") == "zh-hans"
    assert browser_language("fr-FR, de;q=0.8") == "zh-hans"
    assert browser_language("") == "zh-hans"


def test_a_profile_choice_wins_over_the_browser():
    agent = make_user("alice", role="Agents")
    assert language_for(agent, "en") == "en"
    AgentProfile.objects.filter(user=agent).update(language="zh-hans")
    assert language_for(agent, "en") == "zh-hans"


def page(user, accept_language=None):
    client = Client(headers={"accept-language": accept_language} if accept_language else {})
    client.force_login(user)
    return client.get("/admin/").content.decode()


def test_admin_pages_follow_the_profile_then_the_browser():
    agent = make_user("alice", role="Agents")
    assert "打开客服工作台" in page(agent) and 'lang="zh-hans"' in page(agent)
    assert "Open the console" in page(agent, "en-GB,en;q=0.8")
    AgentProfile.objects.filter(user=agent).update(language="zh-hans")
    assert "打开客服工作台" in page(agent, "en-GB,en;q=0.8")


def test_the_javascript_catalogue_speaks_the_requests_language():
    connected = json.dumps("已连接")[1:-1]  # the catalogue escapes non-ASCII
    assert connected in Client().get("/jsi18n/").content.decode()
    assert connected not in Client(headers={"accept-language": "en"}).get("/jsi18n/").content.decode()


def test_the_chat_page_is_in_one_language_with_its_own_lang_attribute():
    chinese = Client().get("/").content.decode()
    english = Client(headers={"accept-language": "en-US"}).get("/").content.decode()
    assert 'lang="zh-CN"' in chinese and "转人工" in chinese and "Talk to a human" not in chinese
    assert 'lang="en"' in english and "Talk to a human" in english and "转人工" not in english
