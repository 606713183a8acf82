"""The web chat page in headless Chromium against a real daphne and a fake LLM."""

import signal
import subprocess
import sys

import pytest

from tests.fakes.llm_server import FakeLLMServer
from tests.support.browser import ARGS
from tests.support.servers import ROOT, Daphne, Database

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "artifacts"
QUESTION = "shipping question"  # a near-tie of three shipping articles: the LLM answers it
TOKENS = ["Orders ", "over ", "99 ", "yuan ", "ship ", "free ", "to ", "most ", "cities; ", "remote ", "areas ",
          "pay ", "a ", "small ", "fee ", "shown ", "at ", "checkout."]



@pytest.fixture
def llm():
    with FakeLLMServer(tokens=TOKENS, delay=0.25) as server:
        yield server


@pytest.fixture
def database():
    database = Database("sqlite")
    subprocess.run([sys.executable, "manage.py", "load_demo_kb"], cwd=ROOT, env=database.env, check=True,
                   capture_output=True)
    yield database
    database.drop()


def start(database, llm, port=None):
    return Daphne(database, port=port, CSBOT_BOT_ENABLED=1, CSBOT_LLM_BASE_URL=llm.base_url,
                  CSBOT_LLM_API_KEY="k", CSBOT_LLM_MODEL="fake-slow", CSBOT_LLM_TIMEOUT_S=10)


async def test_streamed_answer_grows_banner_shows_offline_and_nothing_is_lost_or_doubled(chromium, llm, database):
    from playwright.async_api import async_playwright, expect

    ARTIFACTS.mkdir(exist_ok=True)
    server = start(database, llm)
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium, args=ARGS)
            page = await browser.new_page(base_url=server.http, viewport={"width": 420, "height": 820})
            await page.goto("/")
            await expect(page.locator("#conn")).to_have_attribute("data-state", "open", timeout=15000)
            await page.fill("#input", QUESTION)
            await page.keyboard.press("Enter")

            streaming = page.locator("li.msg.theirs.streaming .bubble")
            await expect(streaming).to_be_visible(timeout=15000)
            first = await streaming.text_content()
            await expect(streaming).not_to_have_text(first, timeout=5000)
            grown = await streaming.text_content()
            assert len(grown) > len(first) and grown.startswith(first)
            await page.screenshot(path=str(ARTIFACTS / "chat-streaming.png"))
            final = page.locator("li.msg.theirs:not(.streaming) .bubble", has_text="checkout.")
            await expect(final).to_have_text("".join(TOKENS), timeout=20000)

            server.kill(signal.SIGKILL)
            await expect(page.locator("#banner")).to_be_visible(timeout=15000)
            await page.screenshot(path=str(ARTIFACTS / "chat-offline.png"))
            await page.fill("#input", "are you still there?")
            await page.keyboard.press("Enter")
            await expect(page.locator("li.msg.mine.pending")).to_have_count(1)

            server = start(database, llm, port=server.port)
            await expect(page.locator("#banner")).to_be_hidden(timeout=45000)
            await expect(page.locator("li.msg.mine.pending")).to_have_count(0, timeout=15000)
            await page.screenshot(path=str(ARTIFACTS / "chat-recovered.png"))

            # The bot may still be answering the second message: wait (bounded) until it is done.
            for _ in range(60):
                busy = database.query("SELECT count(*) FROM chat_botturn WHERE state IN ('pending', 'running')")[0][0]
                seqs = await page.eval_on_selector_all("#list li[data-seq]", "els => els.map(e => e.getAttribute('data-seq'))")
                stored = [row[0] for row in database.query("SELECT seq FROM chat_message WHERE is_note = 0 ORDER BY seq")]
                if not busy and sorted(int(s) for s in seqs) == stored:
                    break
                await page.wait_for_timeout(500)
            assert sorted(int(s) for s in seqs) == stored and len(stored) >= 4
            assert len(seqs) == len(set(seqs))
            customer_texts = await page.locator("li.msg.mine .bubble").all_text_contents()
            assert customer_texts.count("are you still there?") == 1 and customer_texts.count(QUESTION) == 1
            await browser.close()
    finally:
        server.kill()


@pytest.mark.parametrize("locale,language", [("en-US", "en"), ("zh-CN", "zh")])
async def test_suggested_questions_are_in_the_readers_language_and_each_gets_its_answer(
    chromium, llm, database, locale, language
):
    from playwright.async_api import async_playwright, expect

    from chat.bot.intents import detect_language

    answers = {row[0] for row in database.query("SELECT answer FROM chat_article")}
    server = start(database, llm)
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium, args=ARGS)
            page = await browser.new_page(base_url=server.http, locale=locale, viewport={"width": 420, "height": 820})
            await page.goto("/")
            await expect(page.locator("#conn")).to_have_attribute("data-state", "open", timeout=15000)
            chips = page.locator("#chips button.chip")
            await expect(chips.first).to_be_visible(timeout=15000)
            labels = await chips.all_text_contents()
            assert labels and all(detect_language(label) == language for label in labels), labels

            await chips.first.click()
            await expect(page.locator("li.msg.mine .bubble")).to_have_text([labels[0]], timeout=10000)
            reply = page.locator("li.msg.theirs:not(.streaming) .bubble")
            await expect(reply).to_have_count(1, timeout=15000)
            assert (await reply.text_content()) in answers
            await page.screenshot(path=str(ARTIFACTS / f"chat-suggestions-{language}.png"))
            await browser.close()
    finally:
        server.kill()
