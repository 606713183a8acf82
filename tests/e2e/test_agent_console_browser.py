"""A real browser against a real daphne: a customer asks for a human, an agent answers in the console."""


import pytest

from tests.support.browser import ARGS
from tests.support.client import ChatClient
from tests.support.servers import ROOT, Daphne, Database, create_console_agent

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "artifacts"



@pytest.fixture
def server():
    database = Database("sqlite")
    create_console_agent(database)
    daphne = Daphne(database)
    yield daphne
    daphne.kill()
    database.drop()


async def accept_dialog(dialog):
    await dialog.accept()


async def test_customer_hands_off_agent_takes_over_replies_closes_and_rating_shows(chromium, server):
    from playwright.async_api import async_playwright, expect

    ARTIFACTS.mkdir(exist_ok=True)
    customer = ChatClient("o-browser-e2e")
    await customer.connect(server)
    await customer.say("c-1", "I need a person, my parcel is lost")

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            context = await browser.new_context(base_url=server.http, viewport={"width": 1400, "height": 900})
            page = await context.new_page()
            page.on("dialog", accept_dialog)
            await page.goto("/admin/login/?next=/admin/console/")
            await page.fill("#id_username", "alice")
            await page.fill("#id_password", "console-pass-1")
            await page.click("input[type=submit]")
            await expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=10000)
            # Away: the chat waits in the queue for a manual take-over instead of being assigned.
            await page.select_option("#my-status", "away")

            await customer.send({"type": "handoff", "reason": "customer_request"})
            queued = await customer.expect("status", status="queued")
            assert queued["queue_position"] == 1
            row = page.locator("#queue li", has_text="I need a person")
            await expect(row).to_have_count(1, timeout=10000)
            await row.click()
            await expect(page.locator("#entries")).to_contain_text("my parcel is lost", timeout=10000)
            await page.click("#act-take-over")
            taken = await customer.expect("status", status="agent")
            assert taken["agent_name"] == "Alice"
            await expect(page.locator("#mine li")).to_have_count(1, timeout=10000)

            await page.fill("#reply", "Hello, I am Alice. Let me look into it.")
            await page.press("#reply", "Enter")
            reply = await customer.expect("message", sender="agent")
            assert reply["text"] == "Hello, I am Alice. Let me look into it." and reply["sender_name"] == "Alice"
            await customer.say("c-2", "Thank you!")
            await expect(page.locator("#entries")).to_contain_text("Thank you!", timeout=10000)
            await page.screenshot(path=str(ARTIFACTS / "agent-console.png"), full_page=True)

            await customer.drain(1.0)
            taken_seq = reply["seq"] - 1
            bot_after = [f for f in customer.frames if f["type"] in ("message", "stream") and f.get("sender", "bot") == "bot"
                         and f.get("seq", taken_seq + 1) > taken_seq]
            assert bot_after == [], "the bot spoke after the agent took over"

            await page.click("#act-close")
            await customer.expect("status", status="closed")
            await customer.send({"type": "rate", "score": 5, "comment": "quick and kind"})
            rated = await customer.expect("rated")
            assert rated["score"] == 5

            await page.goto("/admin/agents/transcript/")
            row = page.locator("#result_list tbody tr").first
            await expect(row.locator("td.field-rating")).to_have_text("5")
            await page.goto("/admin/")
            await expect(page.locator("#avg-rating")).to_have_text("5.0")
            await page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        finally:
            await browser.close()
            await customer.close()
