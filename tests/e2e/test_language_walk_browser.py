"""The whole flow in Chromium, once in Chinese and once in English: nothing shown in the other language.

A customer on the chat page asks for a human; an agent signs in, takes the
conversation from the queue, replies and closes it; the customer rates; the
agent reads the dashboard, the transcript list and the transcript. Every
step is checked for strings left untranslated and saved as a screenshot.
"""


import pytest

from tests.support.browser import ARGS
from tests.support.language import shown_strings, untranslated
from tests.support.servers import ROOT, Daphne, Database, create_console_agent

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "artifacts"
# Names and data the pages show as they are, in either language.
DATA = {"Alice", "alice", "web"}
WALK = {
    "zh-hans": {"accept": "zh-CN,zh;q=0.9", "locale": "zh-CN", "question": "我的包裹丢了，请帮我查一下",
                "answer": "您好，我是 Alice，马上为您查询。", "comment": "很快，谢谢", "take_over": "接入"},
    "en": {"accept": "en-US,en;q=0.9", "locale": "en-US", "question": "My parcel is lost, please check",
           "answer": "Hello, I am Alice. Let me look into it.", "comment": "quick and kind", "take_over": "Take over"},
}


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


class Walk:
    """Check and photograph each step of the walk in one language."""

    def __init__(self, language):
        self.language = language
        self.found = {}

    async def step(self, page, name):
        await page.screenshot(path=str(ARTIFACTS / f"walk-{self.language}-{name}.png"), full_page=True)
        wrong = untranslated(await shown_strings(page), self.language, DATA)
        if wrong:
            self.found[name] = wrong


@pytest.mark.parametrize("language", ["zh-hans", "en"])
async def test_whole_flow_shows_only_the_page_language(chromium, server, language):
    from playwright.async_api import async_playwright, expect

    ARTIFACTS.mkdir(exist_ok=True)
    words, walk = WALK[language], Walk(language)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            options = {"base_url": server.http, "locale": words["locale"],
                       "extra_http_headers": {"Accept-Language": words["accept"]}}
            customer = await (await browser.new_context(viewport={"width": 420, "height": 820}, **options)).new_page()
            agent = await (await browser.new_context(viewport={"width": 1280, "height": 900}, **options)).new_page()
            agent.on("dialog", accept_dialog)

            await customer.goto("/")
            await expect(customer.locator("#conn")).to_have_attribute("data-state", "open", timeout=15000)
            await walk.step(customer, "01-chat-page")

            await agent.goto("/admin/login/?next=/admin/console/")
            await walk.step(agent, "02-login")
            await agent.fill("#id_username", "alice")
            await agent.fill("#id_password", "console-pass-1")
            await agent.click("input[type=submit]")
            await expect(agent.locator("#connection")).to_have_attribute("data-state", "live", timeout=10000)
            await agent.select_option("#my-status", "away")  # take it from the queue by hand
            await walk.step(agent, "03-console-empty")

            await customer.fill("#input", words["question"])
            await customer.keyboard.press("Enter")
            await expect(customer.locator("li.msg.mine:not(.pending)")).to_have_count(1, timeout=10000)
            await customer.click("#handoff")
            await expect(customer.locator("#status-line")).to_be_visible(timeout=10000)
            await walk.step(customer, "04-chat-queued")

            row = agent.locator("#queue li", has_text=words["question"])
            await expect(row).to_have_count(1, timeout=10000)
            await walk.step(agent, "05-console-queue")
            await row.click()
            await expect(agent.locator("#entries")).to_contain_text(words["question"], timeout=10000)
            await agent.click("#act-take-over")
            await expect(agent.locator("#mine li")).to_have_count(1, timeout=10000)
            await agent.fill("#reply", words["answer"])
            await agent.press("#reply", "Enter")
            await expect(customer.locator("li.msg.theirs .bubble", has_text=words["answer"])).to_be_visible(timeout=10000)
            await walk.step(customer, "06-chat-with-agent")
            await walk.step(agent, "07-console-serving")

            await agent.click("#act-close")
            await expect(customer.locator("#rating")).to_be_visible(timeout=10000)
            await walk.step(customer, "08-chat-rating")
            await customer.click("#stars button[data-score='5']")
            await customer.fill("#rating-comment", words["comment"])
            await customer.click("#rating-submit")
            await expect(customer.locator("#rating")).to_be_hidden(timeout=10000)
            await expect(agent.locator("#entries")).to_contain_text(words["comment"], timeout=10000)
            await walk.step(customer, "09-chat-rated")
            await walk.step(agent, "10-console-closed")

            await agent.goto("/admin/")
            await expect(agent.locator("#avg-rating")).to_have_text("5.0")
            await walk.step(agent, "11-dashboard")
            await agent.goto("/admin/agents/transcript/")
            await expect(agent.locator("#result_list tbody tr")).to_have_count(1)
            await walk.step(agent, "12-transcripts")
            await agent.locator("#result_list tbody tr a").first.click()
            await expect(agent.locator(".transcript")).to_contain_text(words["answer"])
            await walk.step(agent, "13-transcript")
        finally:
            await browser.close()
    assert walk.found == {}, f"shown in the wrong language: {walk.found}"
