"""A chat its agent leaves unanswered goes back to the queue; the console says so, and a busy agent stays online.

Walked in Chromium against a real daphne whose assignment timeout is a few
seconds (CSBOT_ASSIGN_TIMEOUT_S from the environment, as in production).
"""

import asyncio

import pytest

from tests.support.browser import ARGS
from tests.support.servers import Daphne, Database, create_console_agent

from .test_console_fixes_browser import customer_waiting as waiting

pytestmark = pytest.mark.e2e
TIMEOUT_S = 6


@pytest.fixture
def server():
    database = Database("sqlite")
    create_console_agent(database)
    daphne = Daphne(database, CSBOT_ASSIGN_TIMEOUT_S=TIMEOUT_S, CSBOT_ASSIGN_INTERVAL_S=1)
    yield daphne
    daphne.kill()
    database.drop()


@pytest.fixture
async def console(chromium, server):
    """Alice's console, online, in English."""
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=ARGS)
        context = await browser.new_context(base_url=server.http, locale="en-US", extra_http_headers={"Accept-Language": "en"})
        page = await context.new_page()
        await page.goto("/admin/login/?next=/admin/console/")
        await page.fill("#id_username", "alice")
        await page.fill("#id_password", "console-pass-1")
        await page.click("input[type=submit]")
        await expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=10000)
        await page.select_option("#my-status", "online")
        yield page
        await browser.close()


async def test_a_chat_left_unanswered_goes_back_and_the_console_says_the_agent_is_now_away(console, server):
    from playwright.async_api import expect

    customer = await waiting(server, "o-missed", "is anyone there")
    try:
        await expect(console.locator("#mine li[data-id='1']")).to_have_count(1, timeout=15000)  # assigned to Alice
        await customer.expect("status", status="agent", timeout=15000)
        # Nobody answers: after the timeout the chat goes back to the queue and Alice is away, and told why.
        await customer.expect("status", status="queued", timeout=TIMEOUT_S + 15)
        notice = console.locator("#status-notice")
        await expect(notice).to_be_visible(timeout=10000)
        await expect(notice).to_contain_text("went unanswered")
        await expect(console.locator("#my-status")).to_have_value("away")
    finally:
        await customer.close()


async def test_an_agent_replying_in_another_chat_who_misses_one_stays_online(console, server):
    from playwright.async_api import expect

    first = await waiting(server, "o-first", "where is my parcel")
    second = None
    try:
        row = console.locator("#mine li[data-id='1']")
        await expect(row).to_have_count(1, timeout=15000)
        await row.click()
        await console.fill("#reply", "Looking into it now.")
        await console.press("#reply", "Enter")
        await first.expect("message", sender="agent")

        second = await waiting(server, "o-second", "and my refund?")
        await second.expect("status", status="agent", timeout=15000)  # assigned to Alice, who is busy with the first
        released = asyncio.ensure_future(second.expect("status", status="queued", timeout=TIMEOUT_S + 15))
        for n in range(TIMEOUT_S + 15):  # Alice keeps answering the first customer until the second chat is released
            if released.done():
                break
            await console.fill("#reply", f"Still checking ({n}).")
            await console.press("#reply", "Enter")
            await asyncio.wait({released}, timeout=1.5)
        await released  # the unanswered chat went back to the queue...
        await asyncio.sleep(2)  # ...and the console has had a pass of the lists since
        await expect(console.locator("#my-status")).to_have_value("online")  # ...but Alice is still online
        await expect(console.locator("#status-notice")).to_be_hidden()
    finally:
        await first.close()
        if second is not None:
            await second.close()
