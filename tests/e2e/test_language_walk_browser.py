"""The whole flow in Chromium, once in Chinese and once in English: nothing shown in the other language.

A customer on the chat page asks the bot, gets its answer, and asks for a
human; an agent signs in, takes the conversation from the queue, replies and
transfers it to a colleague, who replies and closes it; the customer rates;
the first agent reads the dashboard, the transcript list and the transcript,
and exports the transcripts as CSV and JSON. Every step is checked for
strings left untranslated and saved as a screenshot.
"""

import csv
import io
import json
import subprocess
import sys

import pytest

from tests.support.browser import ARGS
from tests.support.language import shown_strings, untranslated
from tests.support.servers import ROOT, Daphne, Database, create_console_agent

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "artifacts"
# Names and data the pages show as they are, in either language.
DATA = {"Alice", "alice", "Bob", "bob", "web"}
WALK = {
    "zh-hans": {"accept": "zh-CN,zh;q=0.9", "locale": "zh-CN", "ask_bot": "怎么申请退款？",
                "question": "我的包裹丢了，请帮我查一下", "answer": "您好，我是 Alice，马上为您查询。",
                "note": "快递公司需要 Bob 跟进", "bob_answer": "您好，我是 Bob，快递公司明天重新派送。",
                "bob_helps": "人工客服 Bob 为您服务", "comment": "很快，谢谢"},
    "en": {"accept": "en-US,en;q=0.9", "locale": "en-US", "ask_bot": "How do I get a refund?",
           "question": "My parcel is lost, please check", "answer": "Hello, I am Alice. Let me look into it.",
           "note": "Bob follows up with the courier", "bob_answer": "Hello, Bob here: the courier delivers again tomorrow.",
           "bob_helps": "Bob is helping you", "comment": "quick and kind"},
}
# The colleague a conversation is transferred to: an agent only.
BOB = """
from django.contrib.auth.models import Group, User
from agents.presence import profile_for
user = User.objects.create_user("bob", password="console-pass-1", is_staff=True)
user.groups.add(Group.objects.get(name="Agents"))
profile = profile_for(user)
profile.display_name = "Bob"
profile.save()
"""


@pytest.fixture
def server():
    database = Database("sqlite")
    create_console_agent(database)
    subprocess.run([sys.executable, "manage.py", "shell", "-c", BOB], cwd=ROOT, env=database.env, check=True,
                   capture_output=True)
    # The bot answers from the demo knowledge base, as on a new install.
    subprocess.run([sys.executable, "manage.py", "load_demo_kb", "-v0"], cwd=ROOT, env=database.env, check=True)
    daphne = Daphne(database, CSBOT_BOT_ENABLED=1)
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


async def sign_in(browser, options, username, status):
    """Open the console as `username`, live, in `status`."""
    from playwright.async_api import expect

    page = await (await browser.new_context(viewport={"width": 1280, "height": 900}, **options)).new_page()
    page.on("dialog", accept_dialog)
    await page.goto("/admin/login/?next=/admin/console/")
    await page.fill("#id_username", username)
    await page.fill("#id_password", "console-pass-1")
    await page.click("input[type=submit]")
    await expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=10000)
    await page.select_option("#my-status", status)
    return page


async def downloaded(page, link, path):
    """Click an export link; return the file's text, kept beside the screenshots."""
    async with page.expect_download() as info:
        await page.click(link)
    download = await info.value
    await download.save_as(path)
    return path.read_text(encoding="utf-8-sig")


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

            await customer.goto("/")
            await expect(customer.locator("#conn")).to_have_attribute("data-state", "open", timeout=15000)
            await expect(customer.locator("li.greeting")).to_be_visible(timeout=15000)
            await expect(customer.locator("#chips button.chip").first).to_be_visible(timeout=15000)
            await walk.step(customer, "01-chat-page")

            # The agent's login page, before the console.
            login = await (await browser.new_context(viewport={"width": 1280, "height": 900}, **options)).new_page()
            await login.goto("/admin/login/?next=/admin/console/")
            await walk.step(login, "02-login")
            await login.context.close()
            agent = await sign_in(browser, options, "alice", "away")  # take it from the queue by hand
            await walk.step(agent, "03-console-empty")

            # The customer asks; the bot answers from the knowledge base.
            await customer.fill("#input", words["ask_bot"])
            await customer.keyboard.press("Enter")
            bot_answer = customer.locator("li.msg.theirs:not(.greeting):not(.streaming) .bubble")
            await expect(bot_answer).to_have_count(1, timeout=20000)
            await expect(customer.locator("#handoff")).to_be_enabled()
            await walk.step(customer, "04-chat-bot-answer")

            # Hand-off, then the question for the agent, and a place in the queue.
            await customer.click("#handoff")
            await expect(customer.locator("#status-line")).to_be_visible(timeout=10000)
            await customer.fill("#input", words["question"])
            await customer.keyboard.press("Enter")
            await expect(customer.locator("li.msg.mine:not(.pending)")).to_have_count(2, timeout=10000)
            await walk.step(customer, "05-chat-queued")

            row = agent.locator("#queue li", has_text=words["question"])
            await expect(row).to_have_count(1, timeout=10000)
            await walk.step(agent, "06-console-queue")
            await row.click()
            await expect(agent.locator("#entries")).to_contain_text(words["question"], timeout=10000)
            await agent.click("#act-take-over")
            await expect(agent.locator("#mine li")).to_have_count(1, timeout=10000)
            await agent.fill("#reply", words["answer"])
            await agent.press("#reply", "Enter")
            await expect(customer.locator("li.msg.theirs .bubble", has_text=words["answer"])).to_be_visible(timeout=10000)
            await agent.check("#as-note")
            await agent.fill("#reply", words["note"])
            await agent.press("#reply", "Enter")
            await expect(agent.locator("#entries .entry.note")).to_contain_text(words["note"], timeout=10000)
            await walk.step(customer, "07-chat-with-agent")
            await walk.step(agent, "08-console-serving")

            # Transfer: a colleague comes online, and Alice passes the conversation on.
            bob = await sign_in(browser, options, "bob", "online")
            option = agent.locator("#transfer-to option", has_text="Bob")
            await expect(option).to_have_count(1, timeout=15000)
            await agent.select_option("#transfer-to", label=await option.text_content())
            bobs = bob.locator("#mine li")
            await expect(bobs).to_have_count(1, timeout=10000)
            await expect(agent.locator("#mine li")).to_have_count(0, timeout=10000)
            await walk.step(bob, "09-console-transferred")
            await bobs.click()
            await expect(bob.locator("#send")).to_be_enabled(timeout=10000)
            await bob.fill("#reply", words["bob_answer"])
            await bob.press("#reply", "Enter")
            await expect(customer.locator("li.msg.theirs .bubble", has_text=words["bob_answer"])).to_be_visible(timeout=10000)
            await expect(customer.locator("#status-line")).to_have_text(words["bob_helps"], timeout=10000)
            await walk.step(customer, "10-chat-transferred")

            await bob.click("#act-close")
            await expect(customer.locator("#rating")).to_be_visible(timeout=10000)
            await walk.step(customer, "11-chat-rating")
            await customer.click("#stars button[data-score='5']")
            await customer.fill("#rating-comment", words["comment"])
            await customer.click("#rating-submit")
            await expect(customer.locator("#rating")).to_be_hidden(timeout=10000)
            await expect(bob.locator("#entries")).to_contain_text(words["comment"], timeout=10000)
            await walk.step(customer, "12-chat-rated")
            await walk.step(bob, "13-console-closed")

            await agent.goto("/admin/")
            await expect(agent.locator("#avg-rating")).to_have_text("5.0")
            await walk.step(agent, "14-dashboard")
            await agent.goto("/admin/agents/transcript/")
            await expect(agent.locator("#result_list tbody tr")).to_have_count(1)
            await walk.step(agent, "15-transcripts")
            await agent.locator("#result_list tbody tr a").first.click()
            transcript = agent.locator(".transcript")
            for said in (words["ask_bot"], words["answer"], words["note"], words["bob_answer"], words["comment"]):
                await expect(transcript).to_contain_text(said)
            await expect(transcript.locator(".event-transferred", has_text="Bob")).not_to_have_count(0)
            await walk.step(agent, "16-transcript")

            # Export: the list's CSV and JSON hold the conversation, its rating and every word said.
            await agent.goto("/admin/agents/transcript/")
            await expect(agent.locator("a.export-csv")).to_be_visible()
            await walk.step(agent, "17-export")
            table = await downloaded(agent, "a.export-csv", ARTIFACTS / f"walk-{language}-export.csv")
            rows = list(csv.DictReader(io.StringIO(table)))
            assert len(rows) == 1 and rows[0]["rating"] == "5" and rows[0]["rating_comment"] == words["comment"], rows
            dump = json.loads(await downloaded(agent, "a.export-json", ARTIFACTS / f"walk-{language}-export.json"))
            assert words["bob_answer"] in json.dumps(dump, ensure_ascii=False)
        finally:
            await browser.close()
    assert walk.found == {}, f"shown in the wrong language: {walk.found}"
