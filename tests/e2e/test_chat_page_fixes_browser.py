"""The chat page's rough edges, each walked in Chromium against daphne and Redis.

The agent's side is played by the real domain actions, run in a separate
process that shares the database and Redis with the server, so what the page
shows arrives exactly as an agent's console would cause it.
"""

import subprocess
import sys
from datetime import UTC

import pytest

from tests.support.browser import ARGS
from tests.support.servers import ROOT, Daphne, Database

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "artifacts"
SETUP = """
from django.contrib.auth.models import Group, User
from agents.presence import profile_for
user = User.objects.create_user("alice", password="console-pass-1", is_staff=True)
user.groups.add(Group.objects.get(name="Agents"))
profile = profile_for(user)
profile.display_name = "Alice"
profile.save()
"""
AGENT = """
from django.contrib.auth.models import User
from chat import actions
from chat.models import Conversation
agent = User.objects.get(username="alice")
def current():
    return Conversation.objects.exclude(status="closed").get()
"""
TAKE_OVER = AGENT + """
c = current()
if c.status == "bot":
    actions.request_handoff(conversation=c, actor="customer", reason="customer_request")
actions.take_over(conversation=current(), agent=agent, agent_name="Alice")
"""


def reply(text):
    return AGENT + f"actions.send_agent_reply(conversation=current(), agent=agent, text={text!r}, agent_name='Alice')\n"


CLOSE = AGENT + "actions.close_conversation(conversation=current(), actor='agent', actor_user=agent, reason='agent_closed')\n"


class Site:
    """One daphne on Redis, its database, and the agent's actions run beside it."""

    def __init__(self, redis_url):
        self.database = Database("sqlite")
        self.redis_url = redis_url
        self.run(SETUP)
        self.server = Daphne(self.database, redis_url=redis_url)

    def run(self, code):
        env = {**self.database.env, "REDIS_URL": self.redis_url}
        subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True,
                       capture_output=True)

    def restart(self):
        port = self.server.port
        self.server.kill()
        self.server = Daphne(self.database, redis_url=self.redis_url, port=port)

    def close(self):
        self.server.kill()
        self.database.drop()


@pytest.fixture
def site(redis_url):
    site = Site(redis_url)
    yield site
    site.close()


@pytest.fixture
async def browser(chromium):
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=ARGS)
        yield browser
        await browser.close()


async def chat_page(browser, site, context=None):
    from playwright.async_api import expect

    context = context or await browser.new_context(
        base_url=site.server.http, locale="en-US", extra_http_headers={"Accept-Language": "en"},
        viewport={"width": 420, "height": 820},
    )
    page = await context.new_page()
    await page.goto("/")
    await expect(page.locator("#conn")).to_have_attribute("data-state", "open", timeout=15000)
    return page


async def say(page, text):
    from playwright.async_api import expect

    await page.fill("#input", text)
    await page.keyboard.press("Enter")
    await expect(page.locator("li.msg.mine:not(.pending) .bubble", has_text=text)).to_have_count(1, timeout=10000)


async def bubbles(page):
    return await page.locator("#list li.msg:not(.greeting) .bubble").all_text_contents()


async def test_after_a_close_the_next_message_follows_a_separator_and_a_reload_keeps_the_past(browser, site):
    from playwright.async_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    page = await chat_page(browser, site)
    await say(page, "Where is my parcel?")
    site.run(TAKE_OVER)
    site.run(reply("I will call the courier and write back tomorrow."))
    await expect(page.locator("li.msg.theirs .bubble", has_text="tomorrow")).to_be_visible(timeout=10000)
    site.run(CLOSE)
    await expect(page.locator("#rating")).to_be_visible(timeout=10000)
    await page.click("#rating-skip")

    await say(page, "Any news?")
    assert (await bubbles(page))[-1] == "Any news?"
    await expect(page.locator("#list li.separator")).to_have_count(1)
    await page.screenshot(path=str(ARTIFACTS / "chat-new-conversation.png"))

    await page.reload()
    await expect(page.locator("#conn")).to_have_attribute("data-state", "open", timeout=15000)
    await expect(page.locator("#list .bubble", has_text="write back tomorrow")).to_be_visible(timeout=10000)
    assert await bubbles(page) == [
        "Where is my parcel?", "I will call the courier and write back tomorrow.", "Any news?"
    ]
    await expect(page.locator("#list li.separator")).to_have_count(1)
    await page.screenshot(path=str(ARTIFACTS / "chat-reload-keeps-past.png"))


async def test_handoff_before_typing_asks_for_the_question_instead_of_a_place_no_agent_sees(browser, site):
    from playwright.async_api import expect

    site.run(AGENT + "from agents.presence import touch\ntouch(user=agent, status='online')\n")  # someone is there
    page = await chat_page(browser, site)
    await page.click("#handoff")
    await expect(page.locator("#status-line")).to_have_text(
        "Please type your question: an agent will see it and join you.", timeout=10000
    )
    await say(page, "My refund has not arrived")
    await expect(page.locator("#status-line")).to_have_text("Connecting you to an agent: 0 ahead of you", timeout=10000)


async def test_typing_stops_with_the_reply_and_handoff_stays_off_while_an_agent_serves_across_a_restart(browser, site):
    from playwright.async_api import expect

    page = await chat_page(browser, site)
    await say(page, "Hello?")
    site.run(TAKE_OVER)
    await expect(page.locator("#handoff")).to_be_disabled(timeout=10000)
    # The agent's console sends `typing` as they write; the page shows it until their reply lands.
    await page.evaluate("window.csbotClient.emit('typing', {sender: 'agent'})")
    await expect(page.locator("#typing")).to_be_visible()
    site.run(reply("Hi, Alice here."))
    await expect(page.locator("li.msg.theirs .bubble", has_text="Alice here")).to_be_visible(timeout=10000)
    await expect(page.locator("#typing")).to_be_hidden(timeout=1000)  # not the 3 s the indicator lasts alone

    site.restart()
    await expect(page.locator("#conn")).not_to_have_attribute("data-state", "open", timeout=15000)
    await expect(page.locator("#handoff")).to_be_disabled()
    await expect(page.locator("#conn")).to_have_attribute("data-state", "open", timeout=30000)
    await expect(page.locator("#handoff")).to_be_disabled()


async def test_a_second_tab_takes_over_and_the_first_says_so_and_can_take_it_back(browser, site):
    from playwright.async_api import expect

    first = await chat_page(browser, site)
    second = await chat_page(browser, site, context=first.context)
    await expect(first.locator("#banner")).to_be_visible(timeout=10000)
    await expect(first.locator("#banner-text")).to_have_text("This chat is open in another tab or window.")
    await expect(first.locator("#banner-retry")).to_have_text("Use here")
    await expect(second.locator("#conn")).to_have_attribute("data-state", "open")
    await first.screenshot(path=str(ARTIFACTS / "chat-other-tab.png"))

    await first.click("#banner-retry")
    await expect(first.locator("#conn")).to_have_attribute("data-state", "open", timeout=15000)
    await expect(second.locator("#banner-text")).to_have_text("This chat is open in another tab or window.", timeout=10000)
    await say(first, "still here")


async def test_a_page_that_went_offline_comes_back_by_itself_once_the_server_does(browser, site):
    from playwright.async_api import expect

    context = await browser.new_context(base_url=site.server.http, locale="en-US",
                                        extra_http_headers={"Accept-Language": "en"})
    page = await context.new_page()
    await page.clock.install()
    await page.goto("/")
    await expect(page.locator("#conn")).to_have_attribute("data-state", "open", timeout=15000)
    site.server.kill()
    # Skip the backoff waits until the page gives up on the socket.
    for _ in range(40):
        if await page.locator("#conn").get_attribute("data-state") == "offline":
            break
        await page.clock.run_for(30000)
        await page.wait_for_timeout(200)
    await expect(page.locator("#conn")).to_have_attribute("data-state", "offline")
    await page.screenshot(path=str(ARTIFACTS / "chat-offline-retrying.png"))

    site.server = Daphne(site.database, redis_url=site.redis_url, port=site.server.port)
    for _ in range(20):
        if await page.locator("#conn").get_attribute("data-state") == "open":
            break
        await page.clock.run_for(5000)
        await page.wait_for_timeout(300)
    await expect(page.locator("#conn")).to_have_attribute("data-state", "open", timeout=10000)
    await expect(page.locator("#banner")).to_be_hidden()


async def test_with_no_agent_online_a_waiting_customer_is_asked_to_leave_a_message(browser, site):
    from playwright.async_api import expect

    page = await chat_page(browser, site)
    await say(page, "Can someone call me back?")
    await page.click("#handoff")
    await expect(page.locator("#status-line")).to_have_text(
        "No agent is online right now. Leave your message here: an agent will answer it, "
        "and you will see the answer when you come back.", timeout=10000
    )
    # An agent answers later; the customer comes back and finds it.
    await page.goto("about:blank")  # the customer leaves
    site.run(TAKE_OVER)
    site.run(reply("We called the courier: it arrives on Friday."))
    await page.goto(site.server.http + "/")
    await expect(page.locator("#conn")).to_have_attribute("data-state", "open", timeout=15000)
    await expect(page.locator("#list .bubble", has_text="arrives on Friday")).to_be_visible(timeout=10000)


# Two earlier customers waited 4 and 6 minutes from hand-off to take-over; Alice is at her console.
SERVED_BEFORE = AGENT + """
from datetime import timedelta
from django.db.models import F
from agents.presence import touch
from chat.accounts import sign_in
from chat.models import ConversationEvent
for n, minutes in ((1, 4), (2, 6)):
    customer, _ = sign_in(openid=f"o-earlier-{n}", device_id="d-1", platform="web")
    c = actions.record_customer_message(customer=customer, client_msg_id="m-1", text="help").message.conversation
    actions.request_handoff(conversation=c, actor="customer", reason="customer_request")
    actions.take_over(conversation=c, agent=agent, agent_name="Alice")
    actions.close_conversation(conversation=c, actor="agent", actor_user=agent, reason="agent_closed")
    ConversationEvent.objects.filter(conversation=c, kind="handoff_requested").update(
        created_at=F("created_at") - timedelta(minutes=minutes))
touch(user=agent, status="online")
"""
# A third customer, ahead in the queue.
AHEAD = """
from chat import actions
from chat.accounts import sign_in
customer, _ = sign_in(openid="o-ahead", device_id="d-1", platform="web")
c = actions.record_customer_message(customer=customer, client_msg_id="m-1", text="me first").message.conversation
actions.request_handoff(conversation=c, actor="customer", reason="customer_request")
"""


async def test_a_waiting_customer_sees_the_estimated_wait_from_recent_waits_and_their_place(browser, site):
    from playwright.async_api import expect

    site.run(SERVED_BEFORE)
    site.run(AHEAD)
    page = await chat_page(browser, site)
    await say(page, "Where is my refund?")
    await page.click("#handoff")
    await expect(page.locator("#status-line")).to_have_text("Connecting you to an agent: 1 ahead of you", timeout=10000)
    # Median wait 5 minutes a place, second in line, one agent online: about 10 minutes.
    await expect(page.locator("#wait-line")).to_have_text("Estimated wait: about 10 minutes", timeout=10000)
    await page.screenshot(path=str(ARTIFACTS / "chat-estimated-wait.png"))

    # The customer ahead is served within seconds: waits of 4, 6 and 0 minutes give a median of 4,
    # and first in line now, the estimate follows both.
    site.run(AGENT + "actions.take_over(conversation=Conversation.objects.get(customer__openid='o-ahead', status='queued'), "
                     "agent=agent, agent_name='Alice')\n")
    await expect(page.locator("#status-line")).to_have_text("Connecting you to an agent: 0 ahead of you", timeout=10000)
    await expect(page.locator("#wait-line")).to_have_text("Estimated wait: about 4 minutes", timeout=10000)

    site.run(AGENT + "actions.take_over(conversation=Conversation.objects.get(status='queued'), "
                     "agent=agent, agent_name='Alice')\n")
    await expect(page.locator("#status-line")).to_have_text("Alice is helping you", timeout=10000)
    await expect(page.locator("#wait-line")).to_be_hidden()


async def test_outside_business_hours_the_page_gives_the_hours_and_asks_for_a_message_and_has_an_icon(browser, site):
    from datetime import datetime, timedelta

    from playwright.async_api import expect

    now = datetime.now(UTC)
    hours = f"{now + timedelta(hours=2):%H}:00-{now + timedelta(hours=3):%H}:00"
    site.server.kill()
    site.server = Daphne(site.database, redis_url=site.redis_url, port=site.server.port, TIME_ZONE="UTC",
                         CSBOT_BUSINESS_HOURS=hours)
    site.run(AGENT + "from agents.presence import touch\ntouch(user=agent, status='online')\n")  # online, but off hours
    page = await chat_page(browser, site)
    await say(page, "Can I change my order?")
    await page.click("#handoff")
    await expect(page.locator("#status-line")).to_have_text(
        f"Our agents work {hours.replace('-', '–')}. Leave your message here: an agent will answer it, "
        "and you will see the answer when you come back.", timeout=10000
    )
    await expect(page.locator("#wait-line")).to_be_hidden()
    await page.screenshot(path=str(ARTIFACTS / "chat-outside-hours.png"))
    icon = await page.request.get("/favicon.ico")
    assert icon.ok and icon.headers["content-type"].startswith("image/svg")


async def reloaded_after_forty_answers(browser, site):
    """A page whose customer said "first words", got 40 answers and a close, then reloaded: more than one page back."""
    page = await chat_page(browser, site)
    await say(page, "first words")
    site.run(AGENT + "c = current()\nfor n in range(1, 41):\n"
             "    actions.post_bot_reply(conversation=c, text=f'answer {n}')\n"
             "actions.close_conversation(conversation=c, actor='bot', reason='done')\n")
    await page.reload()
    return page


async def test_earlier_messages_reach_back_past_a_page_into_the_closed_conversation(browser, site):
    from playwright.async_api import expect

    page = await reloaded_after_forty_answers(browser, site)
    await expect(page.locator("#conn")).to_have_attribute("data-state", "open", timeout=15000)
    await expect(page.locator("#list .bubble", has_text="answer 40")).to_be_visible(timeout=10000)
    await expect(page.locator("#list .bubble", has_text="first words")).to_have_count(0)
    await expect(page.locator("#load-earlier")).to_be_visible()
    # A click event rather than a pointer click: scrolling the button into view
    # would itself reach the top of the list and load the page, hiding the
    # button under the pointer (the scroll path has its own test).
    await page.locator("#load-earlier").dispatch_event("click")
    await expect(page.locator("#list .bubble", has_text="first words")).to_be_visible(timeout=10000)
    assert (await bubbles(page))[:2] == ["first words", "answer 1"]
    await expect(page.locator("#load-earlier")).to_be_hidden()


async def test_scrolling_to_the_top_of_the_list_loads_the_earlier_page(browser, site):
    from playwright.async_api import expect

    page = await reloaded_after_forty_answers(browser, site)
    await expect(page.locator("#list .bubble", has_text="answer 40")).to_be_visible(timeout=10000)
    await expect(page.locator("#load-earlier")).to_be_visible()
    await expect(page.locator("#list .bubble", has_text="first words")).to_have_count(0)
    await page.locator("#messages").evaluate("el => { el.scrollTop = 0; }")
    await expect(page.locator("#list .bubble", has_text="first words")).to_be_visible(timeout=10000)
    await expect(page.locator("#load-earlier")).to_be_hidden()
    # The view stays where the reader was: the newly loaded page sits above it.
    assert await page.locator("#messages").evaluate("el => el.scrollTop") > 0
